"""The drafts index and its edit lock on every backend: edits of one draft take turns (no lost update), a
lock held too long answers DRAFT_BUSY, and the console's list is newest-edited first."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from capcut_mate.errors import ApiError
from capcut_mate.persistence import drafts
from capcut_mate.persistence.connector import Connector
from capcut_mate.persistence.drafts import DraftIndex

IDS = [f"20250101000000{n:016x}" for n in range(3)]


def test_index_lists_newest_edited_first_and_filters_by_id(db: Connector) -> None:
    index = DraftIndex(db)
    for n, draft_id in enumerate(IDS):
        index.add(draft_id, 64 + n, 48, f"2025-01-01T00:00:0{n}.000Z")
    index.add(IDS[0], 1, 1, "2030-01-01T00:00:00.000Z")  # indexed already: nothing changes
    rows = index.recent(10)
    assert [row["draft_id"] for row in rows] == IDS[::-1]
    assert rows[-1] == {
        "draft_id": IDS[0],
        "width": 64,
        "height": 48,
        "created_at": "2025-01-01T00:00:00.000Z",
        "updated_at": "2025-01-01T00:00:00.000Z",
    }
    with index.locked(IDS[0], "2025-01-02T00:00:00.000Z"):
        pass
    assert [row["draft_id"] for row in index.recent(2)] == [IDS[0], IDS[2]]
    assert [row["draft_id"] for row in index.recent(10, IDS[1][-6:])] == [IDS[1]]
    assert index.recent(10, "%") == [] and index.recent(10, "_") == []  # a plain substring, no wildcards


def test_edits_of_one_draft_take_turns(db: Connector) -> None:
    index = DraftIndex(db)
    index.add(IDS[0], 64, 48, "2025-01-01T00:00:00.000Z")
    document = {"edits": 0}

    def edit(_: int) -> None:
        with index.locked(IDS[0], "2025-01-02T00:00:00.000Z"):
            seen = document["edits"]
            time.sleep(0.002)  # read, think, write: a second editor inside would lose an update
            document["edits"] = seen + 1

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(edit, range(30)))
    assert document["edits"] == 30


def test_a_lock_held_too_long_answers_draft_busy_and_a_failed_edit_keeps_updated_at(
    db: Connector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drafts, "LOCK_TIMEOUT_S", 0.3)
    index = DraftIndex(db)
    index.add(IDS[0], 64, 48, "2025-01-01T00:00:00.000Z")
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with index.locked(IDS[0], "2025-01-02T00:00:00.000Z"):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(30)
        with pytest.raises(ApiError) as busy, index.locked(IDS[0], "2025-01-03T00:00:00.000Z"):
            pass
        assert busy.value.code == "DRAFT_BUSY"
        with index.locked(IDS[1], "2025-01-03T00:00:00.000Z"):
            pass  # another draft is free
    finally:
        release.set()
        thread.join(30)
    with pytest.raises(RuntimeError), index.locked(IDS[0], "2025-01-04T00:00:00.000Z"):
        raise RuntimeError("the edit failed half-way")
    assert index.recent(1, IDS[0])[0]["updated_at"] == "2025-01-02T00:00:00.000Z"
