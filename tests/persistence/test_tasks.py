"""The task state machine on every backend: dedupe, cap, atomic claims (the oldest, or by id), leases,
progress that only goes up, history, retries after an outage, retention."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from capcut_mate.errors import ApiError
from capcut_mate.persistence.connector import Connector
from capcut_mate.persistence.tasks import MAX_ATTEMPTS, Task, TaskStore

DRAFT = "20250101000000" + "ab" * 8


def draft(n: int) -> str:
    return f"20250101000000{n:016x}"


@pytest.fixture
def store(db: Connector) -> TaskStore:
    return TaskStore(db)


def integrity_errors() -> tuple[type[Exception], ...]:
    try:
        import psycopg
    except ImportError:
        return (sqlite3.IntegrityError,)
    return (sqlite3.IntegrityError, psycopg.errors.IntegrityError)


def test_submit_dedupes_while_active_and_starts_fresh_after_finish(store: TaskStore) -> None:
    first, created = store.submit(DRAFT, "u", None, 10)
    assert created and first.status == "pending" and first.progress == 0 and first.started_at is None
    again, created = store.submit(DRAFT, "u", None, 10)
    assert not created and again.task_id == first.task_id
    claimed = store.claim("w1", 30)
    assert claimed is not None and claimed.task_id == first.task_id
    assert claimed.status == "processing" and claimed.progress == 10 and claimed.started_at
    assert store.submit(DRAFT, "u", None, 10)[1] is False
    assert store.fail(first.task_id, "w1", "DRAFT_EMPTY", "zh", "en")
    fresh, created = store.submit(DRAFT, "u", None, 10)
    assert created and fresh.task_id != first.task_id
    latest = store.latest(DRAFT)
    assert latest is not None and latest.task_id == fresh.task_id


def test_cap_answers_service_busy(store: TaskStore) -> None:
    for n in range(3):
        store.submit(draft(n), "u", None, 3)
    with pytest.raises(ApiError) as info:
        store.submit(draft(9), "u", None, 3)
    assert info.value.code == "SERVICE_BUSY" and info.value.http_status == 503
    assert store.active_count() == 3
    assert store.submit(draft(0), "u", None, 3)[1] is False  # a duplicate is not new work: no 503


def test_one_active_task_per_draft_is_enforced_by_the_database(store: TaskStore, db: Connector) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.submit(DRAFT, "u", None, 100), range(16)))
    assert len({task.task_id for task, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with pytest.raises(integrity_errors()), db.transaction() as conn:
        conn.raw.execute(
            "INSERT INTO render_tasks (task_id, draft_id, draft_url, status, created_at)"
            f" VALUES ('other', '{DRAFT}', 'u', 'pending', 'now')"
        )


def test_concurrent_claims_take_each_task_exactly_once(store: TaskStore) -> None:
    ids = {store.submit(draft(n), "u", None, 100)[0].task_id for n in range(40)}
    taken: list[str] = []
    lock = threading.Lock()

    def worker(owner: str) -> None:
        while (task := store.claim(owner, 30)) is not None:
            with lock:
                taken.append(task.task_id)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(ids)


def test_progress_is_monotonic_and_guarded_by_the_lease(store: TaskStore) -> None:
    task, _ = store.submit(DRAFT, "u", None, 10)
    store.claim("w1", 30)
    assert store.advance(task.task_id, "w1", 50, "media prepared")
    assert store.advance(task.task_id, "w1", 30)  # accepted but cannot lower it
    assert _get(store, task).progress == 50
    assert not store.advance(task.task_id, "intruder", 80)
    assert not store.complete(task.task_id, "intruder", "x.mp4", {})
    assert store.complete(task.task_id, "w1", f"{DRAFT}/x.mp4", {"warnings": [{"feature": "数字人"}]})
    done = _get(store, task)
    assert done.status == "completed" and done.progress == 100 and done.completed_at
    assert done.report == {"warnings": [{"feature": "数字人"}]} and store.latest(DRAFT) == done
    assert done.output_key == f"outputs/{DRAFT}/x.mp4"
    fields = done.status_fields("http://h/video.mp4")
    assert list(fields) == [
        "draft_url",
        "status",
        "progress",
        "video_url",
        "error_message",
        "created_at",
        "started_at",
        "completed_at",
    ]
    assert fields["video_url"] == "http://h/video.mp4"
    assert task.status_fields("http://h/video.mp4")["video_url"] == ""  # only a completed task has a video
    notes = [event["note"] for event in store.events(task.task_id)]
    assert notes[0] == "submitted" and "media prepared" in notes and notes[-1].endswith("x.mp4")
    assert store.active_count() == 0


def test_expired_lease_is_reclaimed_without_moving_progress_back(store: TaskStore) -> None:
    task, _ = store.submit(DRAFT, "u", None, 10)
    first = store.claim("dead", 1.0)
    assert first is not None
    store.advance(task.task_id, "dead", 75)
    assert store.claim("w2", 30) is None  # lease still valid
    time.sleep(1.2)
    second = store.claim("w2", 30)
    assert second is not None and second.task_id == task.task_id
    assert second.status == "processing" and second.progress == 75 and second.attempts == 2
    assert second.started_at == first.started_at and second.created_at == task.created_at
    assert not store.renew(task.task_id, "dead", 30)
    assert store.renew(task.task_id, "w2", 30)


def test_claim_by_id_waits_for_a_live_lease_and_takes_over_a_dead_owners_task(store: TaskStore) -> None:
    task, created = store.submit(DRAFT, "u", "http://cb", 10)
    assert created and task.status == "pending" and task.progress == 0
    claimed, wait = store.claim_id(task.task_id, "w1", 30)
    assert claimed is not None and claimed.status == "processing" and claimed.progress == 10 and wait == 0
    other, wait = store.claim_id(task.task_id, "w2", 30)
    assert other is None and 0 < wait <= 30  # w1's lease is live
    assert store.advance(task.task_id, "w1", 60, "encoding")
    assert store.expire_owner("w1") == 1  # w1 is gone: w2 takes over at once, progress kept
    taken, _ = store.claim_id(task.task_id, "w2", 30)
    assert taken is not None and taken.progress == 60 and taken.attempts == 2
    assert taken.created_at == task.created_at and taken.started_at == claimed.started_at
    assert not store.renew(task.task_id, "w1", 30) and store.renew(task.task_id, "w2", 30)
    assert store.complete(task.task_id, "w2", f"{DRAFT}/x.mp4", {})
    assert store.claim_id(task.task_id, "w3", 30) == (None, -1)
    notes = [event["note"] for event in store.events(task.task_id)]
    assert notes[0] == "submitted" and "encoding" in notes and any("attempt 2" in n for n in notes)


@pytest.mark.parametrize("how", ["oldest", "by id"])
def test_repeated_deaths_fail_the_task(store: TaskStore, how: str) -> None:
    task, _ = store.submit(DRAFT, "u", None, 10)
    for attempt in range(MAX_ATTEMPTS):
        owner = f"dead-{attempt}"
        claimed = store.claim(owner, 3600) if how == "oldest" else store.claim_id(task.task_id, owner, 3600)[0]
        assert claimed is not None and claimed.attempts == attempt + 1
        assert owner in store.processing_owners()
        assert store.expire_owner(owner) == 1
    if how == "oldest":
        assert store.claim("w", 30) is None
    else:
        assert store.claim_id(task.task_id, "w", 30) == (None, -1)
    failed = _get(store, task)
    assert failed.status == "failed" and failed.progress == 0 and failed.error_code == "RENDER_INTERRUPTED"
    assert failed.status_fields("http://h", "en")["error_message"].startswith("the render process died")
    assert "中断" in failed.status_fields("http://h")["error_message"]


def test_output_choices_wait_with_the_task_for_its_worker(store: TaskStore) -> None:
    choice = {"format": "webm", "resolution": "720p"}
    task, _ = store.submit(DRAFT, "u", None, 10, choice)
    claimed, _ = store.claim_id(task.task_id, "w1", 30)
    assert task.report == {"options": choice} and claimed is not None and claimed.report == {"options": choice}
    assert store.complete(task.task_id, "w1", f"{DRAFT}/x.webm", {"requested": choice})
    assert _get(store, task).report == {"requested": choice}  # the render report replaces it


def test_a_retry_after_an_outage_keeps_progress_and_is_not_a_death(store: TaskStore, db: Connector) -> None:
    handed: list[tuple[str, bool]] = []

    def enqueue(task: Task, connection: Any) -> None:
        handed.append((task.task_id, connection is not None))

    task, _ = store.submit(DRAFT, "u", None, 10, enqueue=enqueue)
    assert handed == [(task.task_id, db.hosts_queue)]  # in the task's transaction only where the queue lives
    delays = []
    for n in range(MAX_ATTEMPTS + 1):  # more retries than deaths allowed: still not failed
        store.claim_id(task.task_id, f"w{n}", 30)
        store.advance(task.task_id, f"w{n}", 40 + n)
        delay = store.retry_later(task.task_id, f"w{n}", "bucket down", lambda retries: retries * 0.0, enqueue)
        delays.append(delay)
    assert delays == [0.0] * (MAX_ATTEMPTS + 1) and len(handed) == MAX_ATTEMPTS + 2
    assert store.retry_later(task.task_id, "not-the-owner", "x", lambda retries: 1.0) is None
    again = _get(store, task)
    assert again.status == "processing" and again.progress == 40 + MAX_ATTEMPTS and again.attempts == 0
    counted: list[int] = []

    def backoff(retries: int) -> float:
        counted.append(retries)
        return 30.0

    store.claim_id(task.task_id, "w", 30)
    store.retry_later(task.task_id, "w", "db down", backoff)
    assert counted == [MAX_ATTEMPTS + 1]  # earlier retries count towards the back-off
    waiting, wait = store.claim_id(task.task_id, "w2", 30)
    assert waiting is None and 0 < wait <= 30  # the back-off is a lease without an owner


def test_release_requeues_and_prune_keeps_recent_tasks(store: TaskStore, db: Connector) -> None:
    task, _ = store.submit(DRAFT, "u", None, 10)
    store.claim("w1", 3600)
    store.advance(task.task_id, "w1", 40)
    store.release(task.task_id, "w1", "worker stopped; requeued")
    again = store.claim("w2", 30)
    assert again is not None and again.task_id == task.task_id and again.progress == 40
    assert store.processing_owners() == ["w2"] and store.processing_ids() == {task.task_id}
    report = {"error": {"code": "FFMPEG_FAILED", "debug": "graph"}}
    assert store.fail(task.task_id, "w2", "FFMPEG_FAILED", "zh", "en", report)
    assert _get(store, task).report == report
    assert store.prune(retention_days=1) == []
    assert store.latest(DRAFT) is not None
    done, _ = store.submit(draft(1), "u", None, 10)
    store.claim("w3", 30)
    store.complete(done.task_id, "w3", f"{draft(1)}/a.mp4", {})
    with db.transaction() as conn:
        conn.raw.execute("UPDATE render_tasks SET completed_at = '2000-01-01T00:00:00.000Z'")
    assert store.prune(retention_days=1) == [f"{draft(1)}/a.mp4"]
    assert store.latest(DRAFT) is None and store.events(task.task_id) == [] and store.get(done.task_id) is None


def test_the_consoles_recent_tasks(store: TaskStore) -> None:
    tasks = [store.submit(draft(n), "u", None, 10)[0] for n in range(3)]
    assert [task.task_id for task in store.recent(2)] == [tasks[2].task_id, tasks[1].task_id]
    store.ping()


def _get(store: TaskStore, task: Task) -> Task:
    found = store.get(task.task_id)
    assert found is not None
    return found
