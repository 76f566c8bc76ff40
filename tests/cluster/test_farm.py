"""Chunked renders across the cluster (issue 13): the chunks of one render are units any worker takes.

Real processes: an API server, `capcut-mate worker`s, a fresh PostgreSQL database and SeaweedFS. The
draft is 6 s of alternating red and blue 1 s clips with a caption per second and a tone under it, cut
into 1 s chunks (CAPCUT_MATE_RENDER_CHUNK_SECONDS=1): the audio and 6 chunks, 7 units.

Which worker renders which unit depends on timing, so the tests decide it with the real ffmpeg behind a
small wrapper script per worker (as test_long_timeline does for a failing run): it can mark that a chunk
run started, wait until another worker's mark exists, or hang, so a SIGKILL lands mid-chunk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render import DraftMediaResolver, RenderOptions, load_draft, render_draft
from capcut_mate.render.formats import X264
from capcut_mate.storage import Storage
from tests.cluster.procs import WorkerProcess
from tests.cluster.test_cluster import poll_both
from tests.jobs.helpers import V1, assert_monotonic, post, probe
from tests.jobs.test_durability import wait_for
from tests.render.helpers import rgb_frames, samples
from tests.servers import ServerProcess

pytest.importorskip("procrastinate", reason="cluster extra not installed (pip install -e '.[cluster]')")
psycopg = pytest.importorskip("psycopg", reason="cluster extra not installed (pip install -e '.[cluster]')")

SEC = 1_000_000
SECONDS = 6
FPS = 30
LEASE_S = 4  # a killed worker's chunk is taken again this long after its last heartbeat

# The real ffmpeg, with hooks for chunk runs only (the audio and the join pass straight through):
# MARK is touched when one starts; then it waits (at most 60 s) for GATE; HANG never lets it finish.
WRAPPER = """#!/bin/sh
case "$*" in
*/chunk[0-9][0-9][0-9].mp4)  # the output, last
    [ -n "$FARM_MARK" ] && touch "$FARM_MARK"
    if [ -n "$FARM_GATE" ]; then
        i=0
        while [ ! -e "$FARM_GATE" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
    fi
    [ -n "$FARM_HANG" ] && exec sleep 600
    ;;
esac
exec "{ffmpeg}" "$@"
"""


class Farm:
    """One API server and named workers on one database and bucket; workers start when asked."""

    def __init__(self, root: Path, env: dict[str, str], pg_url: str) -> None:
        self.root, self.env, self.pg_url = root, env, pg_url
        self.wrapper = root / "ffmpeg"
        self.wrapper.write_text(WRAPPER.replace("{ffmpeg}", ffmpeg_exe()))
        self.wrapper.chmod(0o755)
        (root / "api").mkdir()
        self.server = ServerProcess(root / "api" / "data", extra_env=env).start()
        self.client = httpx.Client(base_url=self.server.base_url, timeout=60)
        self.workers: dict[str, WorkerProcess] = {}

    def start_worker(self, name: str, **hooks: str) -> WorkerProcess:
        """`hooks`: mark / gate / hang, each a file name under the test folder (hang: any value)."""
        (self.root / name).mkdir()
        env = {**self.env, "CAPCUT_MATE_FFMPEG": str(self.wrapper)}
        env.update({f"FARM_{key.upper()}": str(self.root / value) for key, value in hooks.items()})
        worker = WorkerProcess(self.root / name / "data", env, name).start()
        self.workers[name] = worker
        return worker

    def units(self) -> list[dict[str, Any]]:
        with psycopg.connect(self.pg_url, row_factory=psycopg.rows.dict_row) as conn:
            return conn.execute("SELECT * FROM render_chunks ORDER BY unit").fetchall()

    def close(self) -> None:
        self.client.close()
        for process in [*self.workers.values(), self.server]:
            process.stop()


@pytest.fixture
def farm(pg_url: str, s3_env: dict[str, str], tmp_path: Path) -> Iterator[Farm]:
    env = {
        **s3_env,
        "CAPCUT_MATE_DATABASE_URL": pg_url,
        "CAPCUT_MATE_IN_PROCESS_WORKERS": "0",
        "CAPCUT_MATE_WORKER_LEASE_S": str(LEASE_S),
        "CAPCUT_MATE_RENDER_CHUNK_SECONDS": "1",
        "CAPCUT_MATE_RENDER_CHUNK_WORKERS": "1",
    }
    cluster = Farm(tmp_path, env, pg_url)
    try:
        yield cluster
    finally:
        cluster.close()


def six_seconds(client: httpx.Client, media_url: str, seconds: int = SECONDS) -> str:
    """Alternating red and blue 1 s clips (a frame shifted at a join shows), a caption per second, a tone."""
    url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
    clips = [
        {"video_url": f"{media_url}/{('red', 'blue')[n % 2]}.mp4", "start": n * SEC, "end": (n + 1) * SEC}
        for n in range(seconds)
    ]
    post(client, "add_videos", {"draft_url": url, "video_infos": json.dumps(clips)})
    captions = [{"text": f"第{n}段", "start": n * SEC, "end": (n + 1) * SEC} for n in range(seconds)]
    post(client, "add_captions", {"draft_url": url, "captions": json.dumps(captions)})
    half = seconds * SEC // 2
    tones = [{"audio_url": f"{media_url}/tone.mp3", "start": t, "end": t + half} for t in (0, half)]
    post(client, "add_audios", {"draft_url": url, "audio_infos": json.dumps(tones)})
    return url


def render(farm: Farm, draft_url: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Submit, poll to the end; every status seen and the task's report."""
    post(farm.client, "gen_video", {"draft_url": draft_url})
    seen = poll_both([farm.client], draft_url)
    report = farm.client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
    return seen, report


def download(body: dict[str, Any], path: Path) -> Path:
    assert body["status"] == "completed", body
    path.write_bytes(httpx.get(body["video_url"], timeout=60).content)
    return path


def process_of(owner: str) -> str:
    """`host:pid:token-jN` -> `host:pid:token`: the worker process behind a lease owner."""
    return owner.rsplit("-", 1)[0]


def pid_of(owner: str) -> int:
    return int(owner.split(":")[1])


def chunk_units(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [unit for unit in report["report"]["chunks"] if unit["unit"].startswith("chunk")]


def test_two_workers_render_the_chunks_of_one_render(
    farm: Farm, media_url: str, tmp_path: Path, s3_env: dict[str, str]
) -> None:
    """Each worker's chunk runs wait until the other's first chunk run started, so both take chunks; the
    report says who rendered which, progress never goes back, the scratch is gone afterwards."""
    a = farm.start_worker("a", mark="a-started", gate="b-started")
    b = farm.start_worker("b", mark="b-started", gate="a-started")
    draft_url = six_seconds(farm.client, media_url)
    seen, report = render(farm, draft_url)
    assert_monotonic(seen)
    out = download(seen[-1], tmp_path / "out.mp4")
    info = probe(out)
    assert info["video"] == [(320, 240)] and info["audio"] == 1
    assert len(rgb_frames(out)) == SECONDS * FPS

    units = report["report"]["chunks"]
    assert [unit["unit"] for unit in units] == ["the audio", *(f"chunk {n}" for n in range(SECONDS))]
    assert [(u["start_us"], u["end_us"]) for u in chunk_units(report)] == [
        (n * SEC, (n + 1) * SEC) for n in range(SECONDS)
    ]
    by_pid = {pid_of(unit["owners"][-1]) for unit in chunk_units(report)}
    assert by_pid == {a.pid, b.pid}, (units, a.log(), b.log())
    assert all(unit["attempts"] == 1 and len(unit["owners"]) == 1 for unit in units)
    assert "by 2 worker processes" in next(n for n in report["report"]["notes"] if n.startswith("rendered in"))
    assert farm.units() == []  # the parent forgot the split ...
    assert bucket(s3_env, tmp_path).list("renders/") == []  # ... and deleted its scratch


def test_a_worker_killed_mid_chunk_costs_that_chunk_only(
    farm: Farm, media_url: str, tmp_path: Path, s3_env: dict[str, str]
) -> None:
    """The helper hangs in its first chunk and is SIGKILLed: once its lease runs out the parent renders that
    chunk again, keeps every other one, and the video matches a single-pass render at every join."""
    parent = farm.start_worker("parent", gate="victim-started")
    draft_url = six_seconds(farm.client, media_url)
    post(farm.client, "gen_video", {"draft_url": draft_url})
    wait_for(lambda: farm.units(), timeout=60)  # the parent has split the render
    victim = farm.start_worker("victim", mark="victim-started", hang="1")
    wait_for(lambda: (tmp_path / "victim-started").exists(), timeout=60)
    held = [unit for unit in farm.units() if unit["state"] == "running" and f":{victim.pid}:" in unit["lease_owner"]]
    assert len(held) == 1, farm.units()
    victim.kill()
    seen = poll_both([farm.client], draft_url)
    assert_monotonic(seen)
    assert any(70 < body["progress"] < 90 for body in seen)  # the finished units counted while one waited
    report = farm.client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
    killed = f"chunk {held[0]['unit'] - 1}"
    for unit in report["report"]["chunks"]:
        pids = [pid_of(owner) for owner in unit["owners"]]
        if unit["unit"] == killed:
            assert pids == [victim.pid, parent.pid] and unit["attempts"] == 2, unit
        else:
            assert pids == [parent.pid] and unit["attempts"] == 1, unit
    assert report["attempts"] == 1  # the task itself was never handed over

    chunked = download(seen[-1], tmp_path / "chunked.mp4")
    single = single_pass(draft_url, tmp_path, s3_env)
    assert_matches_at_joins(single, chunked, [n * FPS for n in range(1, SECONDS)])


def test_a_parent_killed_mid_chunk_leaves_its_finished_units_to_the_next(
    farm: Farm, media_url: str, tmp_path: Path
) -> None:
    """The parent renders the audio, then hangs in a chunk while the helper renders others; SIGKILLed, its
    task goes to the helper, which plans again, keeps the audio the dead parent rendered and every chunk
    already done, and renders only the chunk the parent held."""
    victim = farm.start_worker("victim", mark="victim-started", hang="1")
    draft_url = six_seconds(farm.client, media_url)
    post(farm.client, "gen_video", {"draft_url": draft_url})
    wait_for(lambda: (tmp_path / "victim-started").exists(), timeout=60)
    heir = farm.start_worker("heir")
    wait_for(lambda: sum(unit["state"] == "done" for unit in farm.units()) >= 3, timeout=60)
    victim.kill()
    seen = poll_both([farm.client], draft_url)
    assert_monotonic(seen)
    assert len(rgb_frames(download(seen[-1], tmp_path / "out.mp4"))) == SECONDS * FPS
    report = farm.client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
    assert report["attempts"] == 2
    units = {unit["unit"]: unit for unit in report["report"]["chunks"]}
    assert [pid_of(owner) for owner in units["the audio"]["owners"]] == [victim.pid]
    chunks = [[pid_of(owner) for owner in unit["owners"]] for unit in chunk_units(report)]
    assert sorted(chunks, key=len) == [[heir.pid]] * (SECONDS - 1) + [[victim.pid, heir.pid]], chunks


def test_a_chunk_that_cannot_render_fails_the_render_and_leaves_nothing(
    farm: Farm, media_url: str, s3_env: dict[str, str], tmp_path: Path
) -> None:
    """The blue clip's file goes from the bucket after gen_video accepted the draft (it checks the media are
    there): the units that show it fail with MEDIA_MISSING (not retried: only a failed ffmpeg run is), so the
    task fails with that code and the split and scratch go. Refused at submit when gone before."""
    draft_url = six_seconds(farm.client, media_url)
    storage = bucket(s3_env, tmp_path)
    prefix = f"drafts/{draft_url.split('=')[1]}/assets/videos/"
    videos = storage.list(prefix)
    assert len(videos) == 2  # red and blue, each stored once
    doc = json.loads(storage.get_bytes(f"drafts/{draft_url.split('=')[1]}/draft_content.json"))
    blue = next(m["path"] for m in doc["materials"]["videos"] if m["material_name"].startswith("blue"))
    post(farm.client, "gen_video", {"draft_url": draft_url})  # no worker yet: the task waits
    storage.delete(prefix + blue.rsplit("/", 1)[1])
    refused = farm.client.post(f"{V1}/gen_preview", json={"draft_url": draft_url, "time": 0})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "MEDIA_MISSING", refused.text
    farm.start_worker("a")
    farm.start_worker("b")
    seen = poll_both([farm.client], draft_url)
    report = farm.client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
    assert seen[-1]["status"] == "failed" and report["error_code"] == "MEDIA_MISSING", report
    assert "blue.mp4" in report["report"]["error"]["message"]
    wait_for(lambda: farm.units() == [] and storage.list("renders/") == [], timeout=30)


def test_a_one_chunk_draft_renders_in_one_pass(farm: Farm, media_url: str, tmp_path: Path) -> None:
    farm.start_worker("a")
    draft_url = six_seconds(farm.client, media_url, seconds=1)
    seen, report = render(farm, draft_url)
    assert_monotonic(seen)
    assert len(rgb_frames(download(seen[-1], tmp_path / "out.mp4"))) == FPS
    assert report["report"]["chunks"] == []
    assert not any(note.startswith("rendered in") for note in report["report"]["notes"])
    assert farm.units() == []


def bucket(s3_env: dict[str, str], tmp_path: Path) -> Storage:
    """The test's prefix of the bucket, as the service sees it."""
    from capcut_mate.storage.cache import ObjectCache
    from capcut_mate.storage.s3 import S3Storage

    return S3Storage.from_url(
        s3_env["CAPCUT_MATE_STORAGE_URL"],
        ObjectCache(tmp_path / "bucket-cache", 1 << 30),
        endpoint_url=s3_env["CAPCUT_MATE_S3_ENDPOINT_URL"],
        region=s3_env["CAPCUT_MATE_S3_REGION"],
    )


def single_pass(draft_url: str, tmp_path: Path, s3_env: dict[str, str]) -> Path:
    """The same draft rendered in one ffmpeg run, from its folder in the bucket, with gen_video's settings."""
    storage = bucket(s3_env, tmp_path)
    folder = storage.checkout(f"drafts/{draft_url.split('=')[1]}/", tmp_path / "draft")
    draft, folder = load_draft(folder)
    preset, crf = X264["standard"]
    out = tmp_path / "single.mp4"
    render_draft(draft, DraftMediaResolver(folder), out, RenderOptions(preset=preset, crf=crf, chunk_seconds=0))
    return out


def assert_matches_at_joins(single: Path, chunked: Path, joins: list[int]) -> None:
    """Both lossy encodes of the same frames: the same count, each frame at a join close to its single-pass
    twin and far from its neighbour (red beside blue), so nothing is frozen, doubled or shifted; the same
    sound across every join (the audio is rendered once either way)."""
    a, b = rgb_frames(single), rgb_frames(chunked)
    assert len(a) == len(b) == SECONDS * FPS
    for join in joins:
        for n in (join - 2, join - 1, join, join + 1):
            assert np.abs(a[n] - b[n]).mean() < 4, (join, n)
        assert np.abs(b[join] - b[join - 1]).mean() > 40, join
    (sound_a, rate), (sound_b, _) = samples(single), samples(chunked)
    assert len(sound_a) == len(sound_b)
    for join in joins:
        at = round(join / FPS * rate)
        assert np.abs(sound_a[at - 2048 : at + 2048] - sound_b[at - 2048 : at + 2048]).max() < 1e-3


def test_a_re_render_reuses_the_chunks_another_worker_put_in_the_bucket(
    farm: Farm, media_url: str, tmp_path: Path
) -> None:
    """Worker a renders the draft; worker b alone renders it again after caption 4 changed: from the chunk
    cache in the bucket it reuses the audio and every chunk but chunk 4, which shows the new words, and the
    video is the first one everywhere else, frame for frame. The reused units are done before any unit job is
    asked for (no owner took them); only chunk 4 is rendered."""
    a = farm.start_worker("a")
    draft_url = six_seconds(farm.client, media_url)
    seen, first = render(farm, draft_url)
    before = rgb_frames(download(seen[-1], tmp_path / "first.mp4"))
    assert not any(unit["reused"] for unit in first["report"]["chunks"])
    a.stop()
    b = farm.start_worker("b")
    post(farm.client, "replace_text", {"draft_url": draft_url, "match": "第4段", "text": "改了"})
    seen, second = render(farm, draft_url)
    assert_monotonic(seen)
    after = rgb_frames(download(seen[-1], tmp_path / "second.mp4"))
    units = second["report"]["chunks"]
    assert [unit["reused"] for unit in units] == [True, True, True, True, True, False, True], units
    assert [[pid_of(owner) for owner in unit["owners"]] for unit in units] == [[], [], [], [], [], [b.pid], []]
    assert "6 of 7 units reused" in next(n for n in second["report"]["notes"] if n.startswith("rendered in"))
    assert len(after) == len(before) == SECONDS * FPS
    changed = [n for n in range(len(after)) if not np.array_equal(after[n], before[n])]
    assert changed and all(4 * FPS <= n < 5 * FPS for n in changed)
