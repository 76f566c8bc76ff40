"""The units of chunked renders in PostgreSQL (jobs/pg_chunks.py), on a real database: claims never overlap,
leases and fingerprints guard every write, and a unit fails only for a reason a retry cannot fix."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from capcut_mate.jobs.farm import DRAFT_FILE, RenderFarm, help_render, scratch_prefix
from capcut_mate.jobs.pg_chunks import PgChunkStore
from capcut_mate.jobs.store import MAX_ATTEMPTS
from capcut_mate.render import DraftMediaResolver, RenderOptions
from capcut_mate.render.chunking.units import output_settings, plan_fingerprint
from capcut_mate.render.plan.build import build_plan
from capcut_mate.storage.local import LocalStorage
from tests.render.draftkit import Draft

pytest.importorskip("procrastinate", reason="cluster extra not installed (pip install -e '.[cluster]')")

from capcut_mate.db import PgDatabase
from capcut_mate.migrate import migrate

SPANS = [(0, 6_000_000), *((n * 1_000_000, (n + 1) * 1_000_000) for n in range(6))]  # the audio, 6 chunks


@pytest.fixture
def chunks(pg_url: str) -> Iterator[PgChunkStore]:
    db = PgDatabase(pg_url, max_size=8)
    migrate(db)
    try:
        yield PgChunkStore(db)
    finally:
        db.close()


def test_concurrent_claimers_take_each_unit_once(chunks: PgChunkStore) -> None:
    chunks.replace_split("t1", "fp", {}, SPANS)
    taken: list[tuple[str, int]] = []
    lock = threading.Lock()

    def claimer(owner: str) -> None:
        while (unit := chunks.claim("t1", "fp", owner, 30)) is not None:
            with lock:
                taken.append((owner, unit.unit))

    threads = [threading.Thread(target=claimer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(unit for _, unit in taken) == list(range(len(SPANS)))
    assert not chunks.claimable("t1")
    units = chunks.units("t1", "fp")
    assert all(u.state == "running" and u.attempts == 1 and u.owners == [u.lease_owner] for u in units)


def test_a_new_split_refuses_the_old_ones_work(chunks: PgChunkStore) -> None:
    """The task's next owner planned differently (an edited draft, other code): the old plan's unit, still
    rendering somewhere, can neither record progress nor complete into the new split."""
    chunks.replace_split("t1", "old", {}, SPANS)
    stale = chunks.claim("t1", "old", "w1", 30)
    assert stale is not None
    chunks.replace_split("t1", "new", {}, SPANS[:3])
    chunks.advance(stale, "w1", 0.5)
    assert not chunks.complete(stale, "w1", "renders/t1/x.m4a", [], 1.0)
    assert chunks.claim("t1", "old", "w1", 30) is None
    assert [(u.unit, u.state, u.progress) for u in chunks.units("t1", "new")] == [(n, "pending", 0.0) for n in range(3)]
    assert chunks.units("t1", "old") == []


def test_only_a_failed_ffmpeg_run_is_retried_and_dying_workers_fail_a_unit(chunks: PgChunkStore) -> None:
    chunks.replace_split("t1", "fp", {}, SPANS[:3])
    audio = chunks.claim("t1", "fp", "w1", 30)
    assert audio is not None and audio.unit == 0
    chunks.fail(audio, "w1", "FFMPEG_FAILED", "exit 1")  # a crashed run: once more
    again = chunks.claim("t1", "fp", "w2", 30)
    assert again is not None and again.unit == 0 and again.attempts == 2 and again.owners == ["w1", "w2"]
    chunks.fail(again, "w2", "FFMPEG_FAILED", "exit 1")  # twice: the render fails
    first = chunks.claim("t1", "fp", "w2", 30)
    assert first is not None and first.unit == 1
    chunks.fail(first, "w2", "MEDIA_MISSING", "gone.png")  # no retry helps
    states = {u.unit: (u.state, u.error_code) for u in chunks.units("t1", "fp")}
    assert states[0] == ("failed", "FFMPEG_FAILED") and states[1] == ("failed", "MEDIA_MISSING")

    for attempt in range(MAX_ATTEMPTS):  # each owner dies at once (its lease has run out when it is read)
        unit = chunks.claim("t1", "fp", f"dead{attempt}", -1)
        assert unit is not None and unit.unit == 2 and unit.attempts == attempt + 1
    assert chunks.claim("t1", "fp", "w3", 30) is None
    last = chunks.units("t1", "fp")[2]
    assert last.state == "failed" and last.error_code == "RENDER_INTERRUPTED" and "chunk 1" in last.error_message

    chunks.retry_failed("t1")  # a new owner of the task gives them another chance
    assert [u.state for u in chunks.units("t1", "fp")] == ["pending"] * 3


def test_a_dead_owners_unit_is_claimable_at_once_once_released(chunks: PgChunkStore) -> None:
    chunks.replace_split("t1", "fp", {}, SPANS[:2])
    held = chunks.claim("t1", "fp", "host:1:dead-c1", 300)
    assert held is not None and chunks.running_owners() == ["host:1:dead-c1"]
    assert chunks.release_owner("host:1:dead-c1") == 1
    taken = chunks.claim("t1", "fp", "w2", 300)
    assert taken is not None and taken.unit == held.unit and taken.owners == ["host:1:dead-c1", "w2"]


def test_a_helper_renders_the_units_of_a_plan_like_its_own_only(
    chunks: PgChunkStore, media_dir: Path, tmp_path: Path
) -> None:
    """A worker whose plan of the draft has another fingerprint (other code) leaves the units alone; one
    that plans the same renders every waiting unit into storage."""
    draft = Draft(160, 96)
    words = draft.track("text")
    for n in range(3):
        draft.text(words, f"word {n}", n * 1_000_000, 1_000_000)
    farm = RenderFarm(chunks, LocalStorage(tmp_path / "data"), 30)
    farm.storage.put_bytes(scratch_prefix("t1") + DRAFT_FILE, json.dumps(draft.doc).encode())
    settings = output_settings(RenderOptions(chunk_seconds=1, preset="ultrafast"))
    plan = build_plan(draft.doc, RenderOptions(**settings))
    spans = [(0, plan.duration_us), *((chunk.start_us, chunk.end_us) for chunk in plan.chunks)]
    assert len(spans) == 4
    resolver = DraftMediaResolver(media_dir)

    chunks.replace_split("t1", "planned-by-other-code", settings, spans)
    assert help_render(farm, "t1", "w1", tmp_path / "work", RenderOptions(), lambda doc: resolver) == 0
    assert [u.state for u in chunks.units("t1", "planned-by-other-code")] == ["pending"] * 4

    fingerprint = plan_fingerprint(plan, RenderOptions(**settings))
    chunks.replace_split("t1", fingerprint, settings, spans)
    assert help_render(farm, "t1", "w1", tmp_path / "work", RenderOptions(), lambda doc: resolver) == 4
    units = chunks.units("t1", fingerprint)
    assert all(u.state == "done" and u.owners == ["w1"] for u in units)
    assert all(farm.storage.exists(str(u.output_key)) for u in units)
    farm.clean("t1")
    assert chunks.split("t1") is None and farm.storage.list("renders/") == []
