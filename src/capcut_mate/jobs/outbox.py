"""The callback outbox: deliveries written down before they are attempted, in the task store's database.

One small interface with two implementations, as the task stores have: this one in the embedded SQLite
file, `pg_outbox.PgOutbox` in PostgreSQL (cluster mode). Each task store hands out its own (`outbox()`),
so the callback sender never knows which database it writes to. A claim leases the row by pushing its
`next_at` past the attempt's time budget, so another process (or machine) never sends it twice at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from capcut_mate.db import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS callback_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    TEXT NOT NULL,
    url        TEXT NOT NULL,
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    REAL NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS callback_outbox_due ON callback_outbox (next_at);
"""


@dataclass(frozen=True)
class Delivery:
    id: int
    task_id: str
    url: str
    body: str
    attempt: int  # this one, counting from 1


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Outbox(Protocol):
    def add(self, task_id: str, url: str, body: str) -> None:
        """Write a delivery down, due now."""

    def claim(self, lease_s: float, backoff: Callable[[int], float]) -> Delivery | None:
        """The next due delivery, counted as one more attempt and held for `lease_s` plus the back-off
        after that attempt (`backoff(attempt)` seconds)."""

    def retry_at(self, delivery_id: int, at: float) -> None: ...

    def remove(self, delivery_id: int) -> None: ...

    def pending(self) -> int:
        """Deliveries still in the outbox (queued or between retries)."""


class SqliteOutbox:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(_SCHEMA)

    def add(self, task_id: str, url: str, body: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO callback_outbox (task_id, url, body, next_at, created_at) VALUES (?, ?, ?, ?, ?)",
                (task_id, url, body, time.time(), now_iso()),
            )

    def claim(self, lease_s: float, backoff: Callable[[int], float]) -> Delivery | None:
        now = time.time()
        with self.db.transaction() as conn:  # BEGIN IMMEDIATE: one claimer at a time across processes
            row = conn.execute(
                "SELECT id, task_id, url, body, attempts FROM callback_outbox WHERE next_at <= ? "
                "ORDER BY next_at LIMIT 1",
                (now,),
            ).fetchone()
            if row is None:
                return None
            attempt = row["attempts"] + 1
            conn.execute(
                "UPDATE callback_outbox SET attempts = ?, next_at = ? WHERE id = ?",
                (attempt, now + lease_s + backoff(attempt), row["id"]),
            )
        return Delivery(row["id"], row["task_id"], row["url"], row["body"], attempt)

    def retry_at(self, delivery_id: int, at: float) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE callback_outbox SET next_at = ? WHERE id = ?", (at, delivery_id))

    def remove(self, delivery_id: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM callback_outbox WHERE id = ?", (delivery_id,))

    def pending(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM callback_outbox").fetchone()[0])
