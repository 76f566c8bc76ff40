"""The drafts index and the per-draft edit lock, written once over the connector.

The edit lock is the connector's `exclusive`: in SQLite a thread lock plus an `flock` under the data
directory (one machine); in PostgreSQL an advisory lock held by an open transaction, so two API servers
editing one draft take turns and each edit reads the document the previous one wrote (no lost update).
The lock is held for the edit, which is short: media are fetched before it is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from capcut_mate.errors import ApiError
from capcut_mate.persistence.connector import Connector, LockTimeout

LOCK_TIMEOUT_S = 30.0


class DraftIndex:
    def __init__(self, db: Connector) -> None:
        self.db = db

    def add(self, draft_id: str, width: int, height: int, now: str) -> None:
        """Index a draft (nothing happens when it is indexed already)."""
        with self.db.transaction() as conn:
            conn.run("draft_add", draft_id=draft_id, width=width, height=height, now=now)

    def recent(self, limit: int, id_contains: str = "") -> list[dict[str, Any]]:
        """The newest-edited drafts' rows (draft_id, width, height, created_at, updated_at)."""
        with self.db.read() as conn:
            return conn.all("drafts_recent", contains=id_contains, limit=limit)

    @contextmanager
    def locked(self, draft_id: str, now: str) -> Iterator[None]:
        """Hold the draft's edit lock for the block (DRAFT_BUSY after LOCK_TIMEOUT_S); on success the
        draft's updated_at becomes `now`."""
        try:
            with self.db.exclusive(draft_id, LOCK_TIMEOUT_S) as writes:
                yield
                with writes() as conn:
                    conn.run("draft_touch", draft_id=draft_id, now=now)
        except LockTimeout:
            raise ApiError("DRAFT_BUSY", f"draft {draft_id} stayed locked for {LOCK_TIMEOUT_S:.0f} s") from None
