"""The units of chunked renders on every backend: claims never overlap, leases and fingerprints guard every
write, a unit fails only for a reason a retry cannot fix, and splits of finished tasks are found."""

from __future__ import annotations

import threading

import pytest

from capcut_mate.persistence.chunks import ChunkStore
from capcut_mate.persistence.connector import Connector
from capcut_mate.persistence.tasks import MAX_ATTEMPTS, TaskStore

SPANS = [(0, 6_000_000), *((n * 1_000_000, (n + 1) * 1_000_000) for n in range(6))]  # the audio, 6 chunks


@pytest.fixture
def chunks(db: Connector) -> ChunkStore:
    return ChunkStore(db)


def test_concurrent_claimers_take_each_unit_once(chunks: ChunkStore) -> None:
    chunks.replace_split("t1", "fp", {"preset": "ultrafast"}, SPANS)
    split = chunks.split("t1")
    assert split is not None and (split.fingerprint, split.settings) == ("fp", {"preset": "ultrafast"})
    assert chunks.claimable("t1")
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
    assert [(u.start_us, u.end_us) for u in units] == SPANS and [u.chunk for u in units[:2]] == [None, 0]


def test_progress_only_goes_up_and_a_completed_unit_keeps_its_output(chunks: ChunkStore) -> None:
    chunks.replace_split("t1", "fp", {}, SPANS[:2])
    unit = chunks.claim("t1", "fp", "w1", 30)
    assert unit is not None
    chunks.advance(unit, "w1", 0.5)
    chunks.advance(unit, "w1", 0.25)
    chunks.advance(unit, "intruder", 0.9)
    assert chunks.units("t1", "fp")[0].progress == 0.5
    assert chunks.renew("t1", "w1", 30) == 1 and chunks.renew("t1", "intruder", 30) == 0
    assert not chunks.complete(unit, "intruder", "renders/t1/x.m4a", [], 1.0)
    warning = {"feature": "滤镜", "detail": "not rendered"}
    assert chunks.complete(unit, "w1", "renders/t1/audio.m4a", [warning], 1.5)
    done = chunks.units("t1", "fp")[0]
    assert (done.state, done.progress, done.output_key, done.warnings, done.seconds, done.lease_owner) == (
        "done",
        1.0,
        "renders/t1/audio.m4a",
        [warning],
        1.5,
        None,
    )


def test_a_new_split_refuses_the_old_ones_work(chunks: ChunkStore) -> None:
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


def test_only_a_failed_ffmpeg_run_is_retried_and_dying_workers_fail_a_unit(chunks: ChunkStore) -> None:
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


def test_a_dead_owners_unit_is_claimable_at_once_once_released(chunks: ChunkStore) -> None:
    chunks.replace_split("t1", "fp", {}, SPANS[:3])
    held = chunks.claim("t1", "fp", "host:1:dead-c1", 300)
    assert held is not None and chunks.running_owners() == ["host:1:dead-c1"]
    assert chunks.release_owner("host:1:dead-c1") == 1
    taken = chunks.claim("t1", "fp", "w2", 300)
    assert taken is not None and taken.unit == held.unit and taken.owners == ["host:1:dead-c1", "w2"]
    chunks.release(taken, "w2")  # given back untouched (this process is stopping): anyone may take it now
    retaken = chunks.claim("t1", "fp", "w3", 300)
    assert retaken is not None and retaken.unit == held.unit and retaken.attempts == 3


def test_splits_of_finished_or_missing_tasks_are_orphans(chunks: ChunkStore, db: Connector) -> None:
    tasks = TaskStore(db)
    running, _ = tasks.submit("20250101000000" + "aa" * 8, "u", None, 10)
    finished, _ = tasks.submit("20250101000000" + "bb" * 8, "u", None, 10)
    tasks.claim_id(finished.task_id, "w", 30)
    tasks.complete(finished.task_id, "w", "x.mp4", {})
    for task_id in (running.task_id, finished.task_id, "gone"):
        chunks.replace_split(task_id, "fp", {}, SPANS[:2])
    assert sorted(chunks.orphans()) == sorted([finished.task_id, "gone"])
    chunks.delete_split("gone")
    assert chunks.split("gone") is None and chunks.units("gone", "fp") == []
