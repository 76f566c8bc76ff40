"""The drafts index in PostgreSQL, and draft edits serialised by a lock on the draft's row.

Two API servers editing one draft: the second `SELECT ... FOR UPDATE` waits until the first transaction
ends, so each edit reads the document the previous one wrote (no lost update). The transaction stays open
for the edit, which is short: media are fetched before the lock is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from capcut_mate.db import PgDatabase
from capcut_mate.drafts.index import LOCK_TIMEOUT_S, busy
from capcut_mate.errors import ApiError


class PgDraftIndex:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def add(self, draft_id: str, width: int, height: int, now: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO drafts (draft_id, width, height, created_at, updated_at) VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT (draft_id) DO NOTHING",
                (draft_id, width, height, now, now),
            )

    def recent(self, limit: int, id_contains: str = "") -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT draft_id, width, height, created_at, updated_at FROM drafts WHERE strpos(draft_id, %s) > 0"
                " ORDER BY updated_at DESC, created_at DESC LIMIT %s",
                (id_contains, limit),
            ).fetchall()
        return [dict(row) for row in rows]

    @contextmanager
    def locked(self, draft_id: str, now: str) -> Iterator[None]:
        import psycopg

        with self.db.transaction() as conn:
            conn.execute(f"SET LOCAL lock_timeout = '{int(LOCK_TIMEOUT_S * 1000)}ms'")
            try:
                row = conn.execute("SELECT 1 FROM drafts WHERE draft_id = %s FOR UPDATE", (draft_id,)).fetchone()
            except psycopg.errors.LockNotAvailable:
                raise busy(draft_id) from None
            if row is None:
                raise ApiError("DRAFT_NOT_FOUND", f"no draft with draft_id {draft_id}")
            yield
            conn.execute("UPDATE drafts SET updated_at = %s WHERE draft_id = %s", (now, draft_id))
