"""The callback outbox: deliveries written down before they are attempted, in the task store's database.

Written once for both databases (jobs/dialect.py): the embedded SQLite file or PostgreSQL (cluster mode).
Each task store hands out its own (`outbox()`), so the callback sender never knows which database it
writes to. A claim leases the row by pushing its `next_at` past the attempt's time budget, so another
process (or machine) never sends it twice at once; in PostgreSQL claimers also skip rows another one has
locked rather than wait for it. Times here are the sender's clock in both databases.

A row stays after its last attempt, as `delivered` or `failed`, so gen_video_status and gen_video_report
can show what became of the callback (`state`) and `redeliver` can send it again; it goes with its task
when the task is pruned.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from capcut_mate.jobs.dialect import Dialect, iso, now_iso

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

# Columns added after the first release: created by the schema in new databases, added to older ones.
NEW_COLUMNS = {
    "state": "TEXT NOT NULL DEFAULT 'pending'",
    "last_error": "TEXT NOT NULL DEFAULT ''",
    "finished_at": "TEXT",
}


@dataclass(frozen=True)
class Delivery:
    id: int
    task_id: str
    url: str
    body: str
    attempt: int  # this one, counting from 1
    created_at: str  # when it was written down (or redelivered): its age counts from here


class Outbox:
    def __init__(self, sql: Dialect) -> None:
        self.sql = sql

    def add(self, task_id: str, url: str, body: str) -> None:
        """Write a delivery down, due now."""
        with self.sql.transaction() as conn:
            conn.execute(
                "INSERT INTO callback_outbox (task_id, url, body, next_at, created_at) VALUES (?, ?, ?, ?, ?)",
                (task_id, url, body, time.time(), now_iso()),
            )

    def claim(self, lease_s: float, backoff: Callable[[int], float]) -> Delivery | None:
        """The next due delivery, counted as one more attempt and held for `lease_s` plus the back-off
        after that attempt (`backoff(attempt)` seconds)."""
        now = time.time()
        with self.sql.transaction() as conn:
            row = conn.execute(
                "SELECT id, task_id, url, body, attempts, created_at FROM callback_outbox"
                f" WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT 1{self.sql.skip_locked}",
                (now,),
            ).fetchone()
            if row is None:
                return None
            attempt = row["attempts"] + 1
            conn.execute(
                "UPDATE callback_outbox SET attempts = ?, next_at = ? WHERE id = ?",
                (attempt, now + lease_s + backoff(attempt), row["id"]),
            )
        return Delivery(row["id"], row["task_id"], row["url"], row["body"], attempt, row["created_at"])

    def retry_at(self, delivery_id: int, at: float, last_error: str) -> None:
        with self.sql.transaction() as conn:
            conn.execute(
                "UPDATE callback_outbox SET next_at = ?, last_error = ? WHERE id = ?", (at, last_error, delivery_id)
            )

    def finish(self, delivery_id: int, state: str, last_error: str = "") -> None:
        """Delivered, or failed for good (its address refused, or retried past the maximum age)."""
        with self.sql.transaction() as conn:
            conn.execute(
                "UPDATE callback_outbox SET state = ?, last_error = ?, finished_at = ? WHERE id = ?",
                (state, last_error, now_iso(), delivery_id),
            )

    def redeliver(self, task_id: str) -> bool:
        """Send the task's latest callback again, now, with a fresh maximum age; False when it has none."""
        with self.sql.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM callback_outbox WHERE task_id = ? ORDER BY id DESC LIMIT 1", (task_id,)
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                "UPDATE callback_outbox SET state = 'pending', attempts = 0, next_at = ?, created_at = ?,"
                " last_error = '', finished_at = NULL WHERE id = ?",
                (time.time(), now_iso(), row["id"]),
            )
        return True

    def state(self, task_id: str) -> dict[str, Any] | None:
        """What became of the task's latest callback: state, attempts, last_error, next_attempt_at (while
        pending), finished_at (once delivered or failed). None before one is written down."""
        with self.sql.read() as conn:
            row = conn.execute(
                "SELECT state, attempts, last_error, next_at, finished_at FROM callback_outbox"
                " WHERE task_id = ? ORDER BY id DESC LIMIT 1",
                (task_id,),
            ).fetchone()
        if row is None:
            return None
        pending = row["state"] == PENDING
        return {
            "state": row["state"],
            "attempts": row["attempts"],
            "last_error": row["last_error"],
            "next_attempt_at": iso(row["next_at"]) if pending else None,
            "finished_at": row["finished_at"],
        }

    def pending(self) -> int:
        """Deliveries still to be made (queued or between retries)."""
        with self.sql.read() as conn:
            return int(
                conn.execute("SELECT COUNT(*) AS n FROM callback_outbox WHERE state = 'pending'").fetchone()["n"]
            )
