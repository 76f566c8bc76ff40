"""The drafts index and the per-draft edit lock, in the embedded SQLite database.

The lock holds across threads (a thread lock) and processes on this machine (an `flock` on a file under
`locks/`): enough for one box. The PostgreSQL index (drafts/pg_index.py) locks the draft's row instead.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from capcut_mate.db import Database
from capcut_mate.errors import ApiError
from capcut_mate.locks import KeyedLocks

LOCK_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    draft_id   TEXT PRIMARY KEY,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def busy(draft_id: str) -> ApiError:
    return ApiError("DRAFT_BUSY", f"draft {draft_id} stayed locked for {LOCK_TIMEOUT_S:.0f} s")


class DraftIndex(Protocol):
    def add(self, draft_id: str, width: int, height: int, now: str) -> None:
        """Index a draft (nothing happens when it is indexed already)."""

    def locked(self, draft_id: str, now: str) -> AbstractContextManager[None]:
        """Hold the draft's edit lock for the block (DRAFT_BUSY after LOCK_TIMEOUT_S); on success the
        draft's updated_at becomes `now`."""

    def recent(self, limit: int, id_contains: str = "") -> list[dict[str, Any]]:
        """The newest-edited drafts' rows (draft_id, width, height, created_at, updated_at)."""


class SqliteDraftIndex:
    def __init__(self, db: Database, locks_dir: Path) -> None:
        self.db = db
        self.locks_dir = locks_dir
        locks_dir.mkdir(parents=True, exist_ok=True)
        db.ensure_schema(_SCHEMA)
        self._thread_locks = KeyedLocks()  # an entry lives only while the draft is being edited

    def add(self, draft_id: str, width: int, height: int, now: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO drafts (draft_id, width, height, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (draft_id, width, height, now, now),
            )

    def recent(self, limit: int, id_contains: str = "") -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT draft_id, width, height, created_at, updated_at FROM drafts WHERE instr(draft_id, ?) > 0"
                " ORDER BY updated_at DESC, created_at DESC LIMIT ?",
                (id_contains, limit),
            ).fetchall()
        return [dict(row) for row in rows]

    @contextmanager
    def locked(self, draft_id: str, now: str) -> Iterator[None]:
        with self._thread_locks.hold(draft_id, timeout=LOCK_TIMEOUT_S) as acquired:
            if not acquired:
                raise busy(draft_id)
            with open(self.locks_dir / f"{draft_id}.lock", "a+") as handle:
                deadline = time.monotonic() + LOCK_TIMEOUT_S
                while True:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise busy(draft_id) from None
                        time.sleep(0.02)
                try:
                    yield
                    with self.db.transaction() as conn:
                        conn.execute("UPDATE drafts SET updated_at = ? WHERE draft_id = ?", (now, draft_id))
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
