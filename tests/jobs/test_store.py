"""The task store's state machine on a real SQLite file: dedupe, cap, atomic claims, leases, history, retention."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from capcut_mate.db import Database
from capcut_mate.errors import ApiError
from capcut_mate.jobs.store import MAX_ATTEMPTS, TaskStore

DRAFT = "20250101000000" + "ab" * 8


def draft(n: int) -> str:
    return f"20250101000000{n:016x}"


@pytest.fixture
def store(tmp_path: Path) -> TaskStore:
    return TaskStore(Database(tmp_path / "db.sqlite3"))


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
    assert store.latest(DRAFT).task_id == fresh.task_id


def test_cap_answers_service_busy(store: TaskStore) -> None:
    for n in range(3):
        store.submit(draft(n), "u", None, 3)
    with pytest.raises(ApiError) as info:
        store.submit(draft(9), "u", None, 3)
    assert info.value.code == "SERVICE_BUSY" and info.value.http_status == 503
    assert store.active_count() == 3
    assert store.submit(draft(0), "u", None, 3)[1] is False  # a duplicate is not new work: no 503


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
    assert store.get(task.task_id).progress == 50
    assert not store.advance(task.task_id, "intruder", 80)
    assert not store.complete(task.task_id, "intruder", "x.mp4", {})
    assert store.complete(task.task_id, "w1", f"{DRAFT}/x.mp4", {"warnings": []})
    done = store.get(task.task_id)
    assert done.status == "completed" and done.progress == 100 and done.completed_at and done.report == {"warnings": []}
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


def test_expired_lease_is_reclaimed_without_moving_progress_back(store: TaskStore) -> None:
    task, _ = store.submit(DRAFT, "u", None, 10)
    first = store.claim("dead", 0.2)
    store.advance(task.task_id, "dead", 75)
    assert store.claim("w2", 30) is None  # lease still valid
    time.sleep(0.3)
    second = store.claim("w2", 30)
    assert second is not None and second.task_id == task.task_id
    assert second.status == "processing" and second.progress == 75 and second.attempts == 2
    assert second.started_at == first.started_at and second.created_at == task.created_at
    assert not store.renew(task.task_id, "dead", 30)
    assert store.renew(task.task_id, "w2", 30)


def test_dead_owner_expires_at_once_and_repeated_deaths_fail_the_task(store: TaskStore) -> None:
    task, _ = store.submit(DRAFT, "u", None, 10)
    for attempt in range(MAX_ATTEMPTS):
        owner = f"dead-{attempt}"
        assert store.claim(owner, 3600).attempts == attempt + 1
        assert owner in store.processing_owners()
        assert store.expire_owner(owner) == 1
    assert store.claim("w", 30) is None
    failed = store.get(task.task_id)
    assert failed.status == "failed" and failed.progress == 0 and failed.error_code == "RENDER_INTERRUPTED"
    assert failed.status_fields("http://h", "en")["error_message"].startswith("the render process died")
    assert "中断" in failed.status_fields("http://h")["error_message"]


def test_release_requeues_and_prune_keeps_recent_tasks(store: TaskStore) -> None:
    task, _ = store.submit(DRAFT, "u", None, 10)
    store.claim("w1", 3600)
    store.release(task.task_id, "w1", "worker stopped")
    assert store.claim("w2", 30).task_id == task.task_id
    store.complete(task.task_id, "w2", f"{DRAFT}/a.mp4", {})
    assert store.prune(retention_days=1) == []
    assert store.latest(DRAFT) is not None
    assert store.prune(retention_days=-1) == [f"{DRAFT}/a.mp4"]
    assert store.latest(DRAFT) is None and store.events(task.task_id) == []
