"""Nothing lost: real server and worker processes, SIGKILL mid-render, restarts, separate workers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.jobs.helpers import V1, assert_monotonic, build_draft, poll, post
from tests.servers import ServerProcess

pytestmark = pytest.mark.slow  # renders end to end: `pytest -m 'not slow'` is the fast set


def render_children(data_dir: Path) -> list[int]:
    """Pids of render child processes working on this data dir (read from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "capcut_mate.jobs.render_one" in cmdline and str(data_dir) in cmdline:
                pids.append(int(entry.name))
    return pids


def wait_for(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def task_row(data_dir: Path, draft_url: str) -> sqlite3.Row:
    with sqlite3.connect(data_dir / "capcut_mate.sqlite3") as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT * FROM render_tasks WHERE draft_id = ? ORDER BY seq DESC LIMIT 1", (draft_url.split("=")[1],)
        ).fetchone()


def test_sigkill_mid_render_resumes_on_restart(tmp_path: Path, media_url: str) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            draft_url = build_draft(client, media_url)
            created_at = post(client, "gen_video", {"draft_url": draft_url})["created_at"]
            wait_for(lambda: render_children(data_dir))
            server.kill()
        row = task_row(data_dir, draft_url)
        assert row["status"] == "processing" and row["attempts"] == 1, dict(row)
        wait_for(lambda: not render_children(data_dir))  # the render child dies with its server

        server.start()
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            seen = poll(client, draft_url)
            assert_monotonic(seen)
            final = seen[-1]
            assert final["status"] == "completed", final
            assert final["created_at"] == created_at
            assert client.get(final["video_url"]).status_code == 200
            report = client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
            assert report["attempts"] == 2
            assert any("requeued" in event["note"] for event in report["events"])
        server.stop()
        server.start()  # finished tasks stay queryable after a restart
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            assert post(client, "gen_video_status", {"draft_url": draft_url}) == final
    finally:
        server.stop()


def test_graceful_stop_mid_render_hands_the_task_back(tmp_path: Path, media_url: str) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            draft_url = build_draft(client, media_url)
            post(client, "gen_video", {"draft_url": draft_url})
            wait_for(lambda: render_children(data_dir))
        server.stop()  # SIGTERM: the app's shutdown kills the render and releases the lease
        assert not render_children(data_dir)
        row = task_row(data_dir, draft_url)
        assert row["status"] == "processing" and row["lease_owner"] is None and row["lease_expires"] == 0
        server.start()
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            assert poll(client, draft_url)[-1]["status"] == "completed"
            report = client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
            assert report["attempts"] == 2 and any("worker stopped" in e["note"] for e in report["events"])
    finally:
        server.stop()


@contextmanager
def worker_process(data_dir: Path, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "CAPCUT_MATE_DATA_DIR": str(data_dir), "CAPCUT_MATE_RENDER_WORKERS": "1"}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "capcut_mate", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_separate_worker_processes_share_the_queue(tmp_path: Path, media_url: str) -> None:
    """`serve --no-workers` only queues; two `capcut-mate worker` processes render each task exactly once."""
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir, extra_env={"CAPCUT_MATE_IN_PROCESS_WORKERS": "0"}).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            drafts = [build_draft(client, media_url) for _ in range(3)]
            for draft_url in drafts:
                post(client, "gen_video", {"draft_url": draft_url})
            assert client.get(f"{V1}/gen_video_active_count").json()["count"] == 3
            time.sleep(1.0)
            assert post(client, "gen_video_status", {"draft_url": drafts[0]})["status"] == "pending"
            with (
                worker_process(data_dir, tmp_path / "w1.log"),
                worker_process(data_dir, tmp_path / "w2.log"),
            ):
                for draft_url in drafts:
                    assert poll(client, draft_url)[-1]["status"] == "completed"
            for draft_url in drafts:
                report = client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
                assert report["attempts"] == 1
                claims = [e for e in report["events"] if e["note"].startswith("claimed by")]
                assert len(claims) == 1
            assert client.get(f"{V1}/gen_video_active_count").json()["count"] == 0
    finally:
        server.stop()
