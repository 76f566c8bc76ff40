"""The durability tests of tests/jobs/test_durability.py in cluster mode (PostgreSQL + procrastinate + S3):
a server process with in-process workers is killed or stopped mid-render, then started again."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.jobs.helpers import V1, assert_monotonic, build_draft, poll, post
from tests.jobs.test_durability import render_children, wait_for
from tests.servers import ServerProcess

pytest.importorskip("procrastinate", reason="cluster extra not installed (pip install -e '.[cluster]')")


@pytest.fixture
def server(pg_url: str, s3_env: dict[str, str], tmp_path: Path) -> ServerProcess:
    env = {**s3_env, "CAPCUT_MATE_DATABASE_URL": pg_url, "CAPCUT_MATE_WORKER_LEASE_S": "4"}
    return ServerProcess(tmp_path / "data", extra_env=env)


def test_sigkill_mid_render_resumes_on_restart(server: ServerProcess, media_url: str) -> None:
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            draft_url = build_draft(client, media_url)
            created_at = post(client, "gen_video", {"draft_url": draft_url})["created_at"]
            wait_for(lambda: render_children(server.data_dir))
            server.kill()
        wait_for(lambda: not render_children(server.data_dir))  # the render child dies with its server
        server.start()
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            seen = poll(client, draft_url)
            assert_monotonic(seen)
            final = seen[-1]
            assert final["status"] == "completed" and final["created_at"] == created_at, final
            assert httpx.get(final["video_url"]).status_code == 200
            report = client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
            assert report["attempts"] == 2
        server.stop()
        server.start()  # finished tasks stay queryable after a restart
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            assert post(client, "gen_video_status", {"draft_url": draft_url})["created_at"] == created_at
    finally:
        server.stop()


def test_graceful_stop_mid_render_hands_the_task_back(server: ServerProcess, media_url: str) -> None:
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            draft_url = build_draft(client, media_url)
            post(client, "gen_video", {"draft_url": draft_url})
            wait_for(lambda: render_children(server.data_dir))
        server.stop()  # SIGTERM: the render is killed, the task released and queued again
        assert not render_children(server.data_dir)
        server.start()
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            assert poll(client, draft_url)[-1]["status"] == "completed"
            report = client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
            assert report["attempts"] == 2 and any("worker stopped" in e["note"] for e in report["events"])
    finally:
        server.stop()
