"""redeliver_callback over real HTTP: a failed callback is sent again; a task without one is a clear 404.
Also an MCP tool, generated from the same OpenAPI operation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from capcut_mate.api.app import create_app
from capcut_mate.config import Settings
from capcut_mate.jobs.callbacks import CallbackSender
from capcut_mate.mcp.tools import operations
from capcut_mate.persistence.outbox import FAILED
from capcut_mate.services import Services
from tests.jobs.helpers import V1, post
from tests.jobs.test_callbacks import receiver, wait_for
from tests.servers import api_server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[httpx.Client, Services]]:
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, in_process_workers=False)
    app = create_app(settings)
    with api_server(settings, app=app) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        yield client, app.state.services


def error(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 404, response.text
    return response.json()["error"]


def test_redeliver_callback(served: tuple[httpx.Client, Services]) -> None:
    client, svc = served
    plain = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
    post(client, "gen_video", {"draft_url": plain})
    assert error(client.post(f"{V1}/redeliver_callback", json={"draft_url": plain}))["code"] == "CALLBACK_NOT_FOUND"

    with receiver() as hook:
        draft_url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
        post(client, "gen_video", {"draft_url": draft_url, "callback_url": hook.url})
        early = error(client.post(f"{V1}/redeliver_callback", json={"draft_url": draft_url}))
        assert early["code"] == "CALLBACK_NOT_FOUND" and "pending" in early["details"]

        # What a worker leaves behind after the receiver stayed down past CAPCUT_MATE_CALLBACK_MAX_AGE.
        task = svc.tasks.latest(draft_url.split("=")[1])
        assert task is not None
        outbox = svc.tasks.outbox()
        outbox.add(task.task_id, hook.url, '{"status": "completed"}')
        with svc.tasks.db.read() as conn:
            row_id = conn.raw.execute("SELECT id FROM callback_outbox").fetchone()["id"]
        outbox.finish(row_id, FAILED, "no answer")
        assert post(client, "gen_video_status", {"draft_url": draft_url})["callback_delivery"]["state"] == "failed"

        again = post(client, "redeliver_callback", {"draft_url": draft_url})
        assert again["code"] == 0 and again["callback_delivery"]["state"] == "pending"
        assert again["callback_delivery"]["attempts"] == 0
        sender = CallbackSender.for_settings(svc.tasks, svc.settings)  # a worker's sender picks the row up
        try:
            assert hook.got.wait(30)
            assert wait_for(lambda: outbox.state(task.task_id)["state"] == "delivered")  # type: ignore[index]
        finally:
            sender.close()
    report = client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
    assert "callback redelivery requested" in [event["note"] for event in report["events"]]


def test_redeliver_is_an_mcp_tool(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "other"))
    tool = next(op for op in operations(app.openapi()) if op.name == "redeliver_callback")
    assert tool.input_schema["required"] == ["draft_url"] and not tool.read_only
