"""The cluster with real processes: 2 API servers and 2 workers, each with its own empty data dir, sharing
only a PostgreSQL database and an S3 bucket (SeaweedFS)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster.procs import WorkerProcess
from tests.jobs.helpers import V1, assert_monotonic, build_draft, post, probe
from tests.jobs.test_durability import render_children, wait_for
from tests.servers import ServerProcess

pytest.importorskip("procrastinate", reason="cluster extra not installed (pip install -e '.[cluster]')")

LEASE_S = 4  # how long a silent worker keeps its task: short, so the takeover happens within the test


@pytest.fixture
def cluster(pg_url: str, s3_env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, Any]]:
    env = {
        **s3_env,
        "CAPCUT_MATE_DATABASE_URL": pg_url,
        "CAPCUT_MATE_IN_PROCESS_WORKERS": "0",
        "CAPCUT_MATE_WORKER_LEASE_S": str(LEASE_S),
    }
    servers = [ServerProcess(tmp_path / f"api-{n}" / "data", extra_env=env) for n in "ab"]
    workers = [WorkerProcess(tmp_path / f"worker-{n}" / "data", env, n) for n in "ab"]
    for process in servers + workers:
        process.data_dir.parent.mkdir(parents=True)
    try:
        for process in [*servers, *workers]:
            process.start()
        clients = [httpx.Client(base_url=server.base_url, timeout=60) for server in servers]
        yield {"servers": servers, "workers": workers, "clients": clients}
        for client in clients:
            client.close()
    finally:
        for process in [*workers, *servers]:
            process.stop()


def poll_both(clients: list[httpx.Client], draft_url: str, timeout: float = 240) -> list[dict[str, Any]]:
    """Poll through both API servers in turn until the task ends; every answer seen, in order."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    for client in itertools.cycle(clients):
        assert time.monotonic() < deadline, f"task still {seen[-1] if seen else None}"
        response = client.post(f"{V1}/gen_video_status", json={"draft_url": draft_url})
        assert response.status_code == 200, response.text
        seen.append(response.json())
        if seen[-1]["status"] in ("completed", "failed"):
            return seen
        time.sleep(0.05)
    raise AssertionError("unreachable")


def assert_bucket_mp4(body: dict[str, Any], folder: Path, seconds: float) -> None:
    assert body["status"] == "completed", body
    assert "/files/" not in body["video_url"]  # straight from the bucket, not through an API server
    out = folder / f"{body['created_at'].replace(':', '')}.mp4"
    out.write_bytes(httpx.get(body["video_url"], timeout=60).content)
    info = probe(out)
    assert info["video"] and info["duration"] == pytest.approx(seconds, abs=0.3)


def test_parallel_edits_across_servers_and_renders_from_the_bucket(
    cluster: dict[str, Any], media_url: str, tmp_path: Path
) -> None:
    a, b = cluster["clients"]
    draft_url = post(a, "create_draft", {"width": 320, "height": 240})["draft_url"]

    def caption(n: int) -> dict[str, Any]:
        body = {"text": f"第{n}句", "start": n * 100_000, "end": (n + 1) * 100_000}
        return post((a, b)[n % 2], "add_captions", {"draft_url": draft_url, "captions": json.dumps([body])})

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(caption, range(20)))
    listing = b.get(f"{V1}/get_draft", params={"draft_id": draft_url.split("=")[1]}).json()
    content_url = next(url for url in listing["files"] if url.endswith("/draft_content.json"))
    doc = b.get(content_url, follow_redirects=True).json()
    segments = [seg["id"] for track in doc["tracks"] if track["type"] == "text" for seg in track["segments"]]
    assert sorted(segments) == sorted(answer["segment_ids"][0] for answer in answers)
    assert len(segments) == 20

    # A draft made on server A is edited on B, and renders submitted on either server come back.
    drafts = [build_draft(a, media_url) for _ in range(5)]
    post(b, "add_captions", {"draft_url": drafts[0], "captions": json.dumps([{"text": "B", "start": 0, "end": 1}])})
    drafts.append(draft_url)
    for n, url in enumerate(drafts):
        post((a, b)[n % 2], "gen_video", {"draft_url": url})
    for url in drafts:
        seen = poll_both([a, b], url)
        assert_monotonic(seen)
        assert_bucket_mp4(seen[-1], tmp_path, 3.0 if url != draft_url else 2.0)


def test_worker_killed_mid_render_is_finished_by_the_other(
    cluster: dict[str, Any], media_url: str, tmp_path: Path
) -> None:
    a, b = cluster["clients"]
    draft_url = post(a, "create_draft", {"width": 640, "height": 360})["draft_url"]
    clips = [
        {"video_url": f"{media_url}/counter.mp4", "start": n * 2_000_000, "end": (n + 1) * 2_000_000} for n in range(6)
    ]
    post(a, "add_videos", {"draft_url": draft_url, "video_infos": json.dumps(clips)})
    first = post(b, "gen_video", {"draft_url": draft_url})
    workers: list[WorkerProcess] = cluster["workers"]
    busy: list[WorkerProcess] = []
    wait_for(lambda: busy.extend(w for w in workers if render_children(w.data_dir)) or busy, timeout=60)
    victim = busy[0]
    survivor = next(w for w in workers if w is not victim)
    seen = [post(a, "gen_video_status", {"draft_url": draft_url})]
    victim.kill()
    seen += poll_both([a, b], draft_url)
    assert_monotonic(seen)
    done = seen[-1]
    assert done["created_at"] == first["created_at"]
    assert_bucket_mp4(done, tmp_path, 12.0)
    report = a.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
    claims = [event["note"] for event in report["events"] if event["note"].startswith("claimed by")]
    assert len(claims) == 2 and f":{victim.pid}:" in claims[0] and f":{survivor.pid}:" in claims[1], claims
    assert report["attempts"] == 2
