"""Fault injection on a real cluster: an API server and a worker process sharing a PostgreSQL and a
SeaweedFS bucket of the test's own, which the test restarts and stops while renders run and clients edit.

Each test asserts that every acknowledged edit is in the draft afterwards, every render completes with its
video in the bucket and its progress never going back, clients got 503 + Retry-After with the dependency's
code (never a 500) while the fault lasted, and everything recovers without restarting a process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster.procs import WorkerProcess
from tests.faults.conftest import BUCKET, data_dir
from tests.faults.postgres import PrivatePostgres
from tests.faults.traffic import Traffic
from tests.faults.weed import RestartableSeaweed
from tests.jobs.helpers import V1, assert_monotonic, post, probe
from tests.jobs.test_durability import wait_for
from tests.servers import ServerProcess

pytest.importorskip("procrastinate", reason="cluster extra not installed (pip install -e '.[cluster]')")
pytestmark = pytest.mark.slow

OUTAGE_S = 30  # how long the database stays stopped


@pytest.fixture
def cluster(pg_database: str, storage_env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, Any]]:
    env = {
        **storage_env,
        "CAPCUT_MATE_DATABASE_URL": pg_database,
        "CAPCUT_MATE_IN_PROCESS_WORKERS": "0",
        "CAPCUT_MATE_WORKER_LEASE_S": "10",
        "CAPCUT_MATE_DEPENDENCY_TIMEOUT": "2",
        "CAPCUT_MATE_RENDER_CHUNK_SECONDS": "0",  # one render process per task: the fault meets that process
    }
    server = ServerProcess(data_dir(tmp_path, "api"), extra_env=env)
    worker = WorkerProcess(data_dir(tmp_path, "worker"), env, "w", count=2)
    try:
        server.start()
        worker.start()
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            yield {"client": client, "server": server, "worker": worker}
    finally:
        worker.stop()
        server.stop()


def long_draft(client: httpx.Client, media_url: str) -> str:
    """12 s at 640x360: a render long enough to be under way when the fault comes."""
    draft_url = post(client, "create_draft", {"width": 640, "height": 360})["draft_url"]
    clip = f"{media_url}/counter.mp4"
    clips = [{"video_url": clip, "start": n * 2_000_000, "end": (n + 1) * 2_000_000} for n in range(6)]
    post(client, "add_videos", {"draft_url": draft_url, "video_infos": json.dumps(clips)})
    return draft_url


def draft_segments(client: httpx.Client, draft_url: str) -> set[str]:
    listing = client.get(f"{V1}/get_draft", params={"draft_id": draft_url.split("=")[1]}).json()
    content_url = next(url for url in listing["files"] if url.endswith("/draft_content.json"))
    doc = client.get(content_url, follow_redirects=True).json()
    return {segment["id"] for track in doc["tracks"] for segment in track["segments"]}


def under_way(traffic: Traffic, draft_urls: list[str]) -> bool:
    """Every render is processing past its checkout (the render process has the draft)."""
    return all(
        traffic.statuses[url] and traffic.statuses[url][-1]["status"] == "processing"
        and traffic.statuses[url][-1]["progress"] >= 20
        for url in draft_urls
    )  # fmt: skip


def readyz(client: httpx.Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    if response.status_code == 503:
        assert response.headers["retry-after"]
    return response.status_code, response.json()


def assert_survived(client: httpx.Client, traffic: Traffic, renders: list[str], edited: str, tmp_path: Path) -> None:
    for draft_url in renders:
        seen = traffic.statuses[draft_url]
        assert_monotonic(seen)
        final = seen[-1]
        assert final["status"] == "completed", final
        video = tmp_path / f"{draft_url.split('=')[1]}.mp4"
        video.write_bytes(httpx.get(final["video_url"], timeout=60).content)
        assert probe(video)["duration"] == pytest.approx(12.0, abs=0.3)
        report = client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
        assert report["attempts"] <= 2, report["events"]  # an outage is not a render death
    assert traffic.acknowledged, "no edit was acknowledged"
    missing = set(traffic.acknowledged) - draft_segments(client, edited)
    assert not missing, f"{len(missing)} acknowledged edits lost"
    traffic.assert_no_server_errors()


def run_with_fault(
    cluster: dict[str, Any], media_url: str, tmp_path: Path, fault: Callable[[Traffic], None], *, images: bool = False
) -> Traffic:
    """Two renders and an editor under way, then `fault`; returns what the clients saw, once all ended."""
    client = cluster["client"]
    renders = [long_draft(client, media_url) for _ in range(2)]
    edited = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
    for draft_url in renders:
        post(client, "gen_video", {"draft_url": draft_url})
    traffic = Traffic(httpx.Client(base_url=cluster["server"].base_url, timeout=60))
    traffic.poll(renders)
    if images:
        traffic.edit_images(edited, f"{media_url}/red.png")
    else:
        traffic.edit_captions(edited)
    try:
        wait_for(lambda: under_way(traffic, renders), timeout=180)
        fault(traffic)
        before = len(traffic.acknowledged)
        wait_for(lambda: len(traffic.acknowledged) > before + 3, timeout=120)  # edits work again, no restart
        wait_for(lambda: all(traffic.statuses[url][-1]["status"] in ("completed", "failed") for url in renders), 300)
        assert readyz(client)[0] == 200
    finally:
        traffic.stop()
        traffic.client.close()
    slowest = max((a.seconds for a in traffic.answers if a.status == 503), default=0.0)
    print("what clients saw:", dict(traffic.summary()), f"slowest 503: {slowest:.1f} s")
    print("edits acknowledged:", len(traffic.acknowledged))
    for draft_url in renders:
        report = client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
        notes = [e["note"] for e in report["events"] if e["note"].startswith(("retry", "claimed"))]
        print("render", report["status"], "attempts", report["attempts"], notes)
    assert_survived(client, traffic, renders, edited, tmp_path)
    return traffic


def test_a_database_restart_during_renders_and_edits(
    cluster: dict[str, Any], private_pg: PrivatePostgres, media_url: str, tmp_path: Path
) -> None:
    run_with_fault(cluster, media_url, tmp_path, lambda _: private_pg.restart())


def test_the_database_down_for_half_a_minute(
    cluster: dict[str, Any], private_pg: PrivatePostgres, media_url: str, tmp_path: Path
) -> None:
    def outage(traffic: Traffic) -> None:
        private_pg.stop()
        try:
            stopped = time.monotonic()
            wait_for(lambda: traffic.seen("DATABASE_UNAVAILABLE"), timeout=60)
            status, body = readyz(cluster["client"])
            assert status == 503 and body["checks"]["database"].startswith("unavailable"), body
            assert body["checks"]["storage"] == "ok", body
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
        finally:
            private_pg.start()

    traffic = run_with_fault(cluster, media_url, tmp_path, outage)
    assert traffic.summary()[(503, "DATABASE_UNAVAILABLE")] > 0


def test_the_bucket_down_during_add_images_renders_and_the_final_upload(
    cluster: dict[str, Any], bucket_server: RestartableSeaweed, media_url: str, tmp_path: Path
) -> None:
    client = cluster["client"]

    def retried(traffic: Traffic) -> bool:
        """Both renders met the outage (at their final upload, or wherever they were) and were handed back."""
        for draft_url in traffic.statuses:
            report = client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
            if not any(event["note"].startswith("retry") for event in report["events"]):
                return False
        return True

    def outage(traffic: Traffic) -> None:
        bucket_server.kill()
        try:
            wait_for(lambda: traffic.seen("STORAGE_UNAVAILABLE"), timeout=60)
            status, body = readyz(client)
            assert status == 503 and body["checks"]["storage"].startswith("unavailable"), body
            assert body["checks"]["database"] == "ok", body
            wait_for(lambda: retried(traffic), timeout=180)  # the renders reached the upload meanwhile
        finally:
            bucket_server.start(BUCKET)

    traffic = run_with_fault(cluster, media_url, tmp_path, outage, images=True)
    assert traffic.summary()[(503, "STORAGE_UNAVAILABLE")] > 0
