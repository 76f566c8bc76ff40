"""Per-key locks exist only while used: a long-lived server does not keep one per draft or URL ever seen."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from capcut_mate.drafts.store import DraftStore
from capcut_mate.locks import KeyedLocks
from capcut_mate.persistence.drafts import DraftIndex
from capcut_mate.persistence.sqlite import SqliteConnector
from capcut_mate.storage.local import LocalStorage


def test_keyed_locks_exclude_and_then_forget() -> None:
    locks = KeyedLocks()
    counts = {"a": 0, "b": 0}
    inside = {"a": 0, "b": 0}
    overlaps = []

    def bump(key: str) -> None:
        with locks.hold(key) as acquired:
            assert acquired
            inside[key] += 1
            overlaps.append(inside[key])
            counts[key] = counts[key] + 1
            inside[key] -= 1

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(bump, ["a", "b"] * 500))
    assert counts == {"a": 500, "b": 500} and set(overlaps) == {1}
    assert len(locks) == 0


def test_a_timed_out_waiter_leaves_nothing_behind() -> None:
    locks = KeyedLocks()
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with locks.hold("k"):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(30)
    with locks.hold("k", timeout=0.01) as acquired:
        assert not acquired
    release.set()
    thread.join(30)
    assert len(locks) == 0


def test_the_draft_store_keeps_no_lock_per_draft(tmp_path: Path) -> None:
    db = SqliteConnector(tmp_path / "db.sqlite3", tmp_path / "locks")
    db.migrate()
    store = DraftStore(LocalStorage(tmp_path), DraftIndex(db))
    drafts = [store.create(64, 48) for _ in range(20)]

    def edit(draft_id: str) -> None:
        with store.edit(draft_id) as doc:
            doc.setdefault("edits", 0)
            doc["edits"] += 1

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(edit, drafts * 5))
    assert all(store.load(draft_id)["edits"] == 5 for draft_id in drafts)
    assert len(db._thread_locks) == 0
