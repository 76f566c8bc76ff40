"""PostgreSQL mode end to end with real processes: an API server without workers, a `capcut-mate worker`
fed by procrastinate, and the task record gen_video_status reads."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.cluster.procs import WorkerProcess
from tests.jobs.helpers import assert_monotonic, build_draft, poll, post, probe
from tests.servers import ServerProcess

pytest.importorskip("procrastinate", reason="cluster extra not installed (pip install -e '.[cluster]')")


def test_gen_video_is_dispatched_by_procrastinate_to_a_worker_process(
    pg_url: str, media_url: str, tmp_path: Path
) -> None:
    env = {"CAPCUT_MATE_DATABASE_URL": pg_url, "CAPCUT_MATE_IN_PROCESS_WORKERS": "0"}
    data = tmp_path / "data"
    server = ServerProcess(data, extra_env=env).start()
    worker = WorkerProcess(data, env, "w1").start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            draft_url = build_draft(client, media_url)
            first = post(client, "gen_video", {"draft_url": draft_url})
            again = post(client, "gen_video", {"draft_url": draft_url})
            assert again["created_at"] == first["created_at"]  # one active task per draft
            seen = poll(client, draft_url)
            assert_monotonic(seen)
            done = seen[-1]
            assert done["status"] == "completed", (done, worker.log())
            assert done["created_at"] == first["created_at"]
            video = client.get(done["video_url"])
            assert video.status_code == 200
            out = tmp_path / "out.mp4"
            out.write_bytes(video.content)
            info = probe(out)
            assert (
                info["video"] == [(320, 240)] and info["audio"] == 1 and info["duration"] == pytest.approx(3, abs=0.2)
            )
            report = client.get("/openapi/capcut-mate/v1/gen_video_report", params={"draft_url": draft_url}).json()
            notes = [event["note"] for event in report["events"]]
            assert notes[0] == "submitted" and any(note.startswith("claimed by") for note in notes)
            assert client.get("/openapi/capcut-mate/v1/gen_video_active_count").json()["count"] == 0
    finally:
        worker.stop()
        server.stop()
