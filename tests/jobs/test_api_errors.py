"""The job endpoints' error envelope and codes, and the queue's cap, with in-process workers off."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers
from tests.jobs.helpers import SEED_FIELDS, V1, post

pytestmark = pytest.mark.slow  # renders end to end: `pytest -m 'not slow'` is the fast set

UNKNOWN = "http://x/openapi/capcut-mate/v1/get_draft?draft_id=20250101000000abcdefabcdefabcd"


@pytest.fixture
def idle(settings: Settings) -> Iterator[tuple[httpx.Client, Settings]]:
    """A server that queues but never renders, with room for two active tasks."""
    settings = settings.model_copy(update={"in_process_workers": False, "max_active_tasks": 2})
    with servers.api_server(settings) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
        yield client, settings


def error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"] and body["error"]["code"] == code
    assert body["error"]["message"] and body["error"]["details"]
    return body["error"]


def test_gen_video_errors(idle: tuple[httpx.Client, Settings]) -> None:
    client, _ = idle
    error(client.post(f"{V1}/gen_video", json={"draft_url": UNKNOWN}), 404, "DRAFT_NOT_FOUND")
    error(client.post(f"{V1}/gen_video", json={"draft_url": "http://x/get_draft?id=1"}), 400, "INVALID_DRAFT_URL")
    error(client.post(f"{V1}/gen_video", json={"draft_url": "http://x/?draft_id=../../etc"}), 400, "INVALID_DRAFT_URL")
    error(client.post(f"{V1}/gen_video", json={}), 400, "VALIDATION_ERROR")
    draft_url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
    bad_hook = client.post(f"{V1}/gen_video", json={"draft_url": draft_url, "callback_url": "ftp://x/y"})
    assert "callback_url" in error(bad_hook, 400, "VALIDATION_ERROR")["details"]


def test_status_errors_follow_the_seed(idle: tuple[httpx.Client, Settings]) -> None:
    client, settings = idle
    missing = error(client.post(f"{V1}/gen_video_status", json={"draft_url": UNKNOWN}), 404, "VIDEO_TASK_NOT_FOUND")
    assert missing["message"] == "视频生成任务未找到"
    english = client.post(f"{V1}/gen_video_status", json={"draft_url": UNKNOWN}, headers={"Accept-Language": "en"})
    assert error(english, 404, "VIDEO_TASK_NOT_FOUND")["message"] == "Video generation task not found"
    error(client.post(f"{V1}/gen_video_status", json={}), 400, "VALIDATION_ERROR")
    error(client.post(f"{V1}/gen_video_status", json={"draft_url": "nope"}), 400, "VALIDATION_ERROR")
    error(
        client.post(f"{V1}/gen_video_status", content=b"{not json", headers={"content-type": "application/json"}),
        400,
        "VALIDATION_ERROR",
    )

    draft_url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
    post(client, "gen_video", {"draft_url": draft_url})
    pending = post(client, "gen_video_status", {"draft_url": draft_url})
    assert list(pending) == SEED_FIELDS
    assert pending["status"] == "pending" and pending["progress"] == 0
    assert pending["started_at"] is None and pending["completed_at"] is None

    with sqlite3.connect(settings.db_path) as conn:  # break the store under the running server
        conn.execute("ALTER TABLE render_tasks RENAME TO render_tasks_gone")
    broken = client.post(f"{V1}/gen_video_status", json={"draft_url": draft_url})
    assert error(broken, 500, "VIDEO_STATUS_QUERY_FAILED")["message"] == "视频任务状态查询失败"


def test_queue_cap_and_active_count(idle: tuple[httpx.Client, Settings]) -> None:
    client, _ = idle
    assert client.get(f"{V1}/gen_video_active_count").json()["count"] == 0
    drafts = [post(client, "create_draft", {"width": 320, "height": 240})["draft_url"] for _ in range(3)]
    post(client, "gen_video", {"draft_url": drafts[0]})
    post(client, "gen_video", {"draft_url": drafts[0]})  # a duplicate: no new task
    post(client, "gen_video", {"draft_url": drafts[1]})
    assert client.get(f"{V1}/gen_video_active_count").json()["count"] == 2
    busy = error(client.post(f"{V1}/gen_video", json={"draft_url": drafts[2]}), 503, "SERVICE_BUSY")
    assert "MAX_ACTIVE_TASKS" in busy["details"]
