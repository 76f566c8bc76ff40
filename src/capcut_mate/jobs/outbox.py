"""The callback outbox: deliveries written down before they are attempted, in the task store's database.

Written once for both databases (jobs/dialect.py): the embedded SQLite file or PostgreSQL (cluster mode).
Each task store hands out its own (`outbox()`), so the callback sender never knows which database it
writes to. A claim leases the row by pushing its `next_at` past the attempt's time budget, so another
process (or machine) never sends it twice at once; in PostgreSQL claimers also skip rows another one has
locked rather than wait for it. Times here are the sender's clock in both databases.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from capcut_mate.jobs.dialect import Dialect, now_iso


@dataclass(frozen=True)
class Delivery:
    id: int
    task_id: str
    url: str
    body: str
    attempt: int  # this one, counting from 1


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
                "SELECT id, task_id, url, body, attempts FROM callback_outbox WHERE next_at <= ? "
                f"ORDER BY next_at LIMIT 1{self.sql.skip_locked}",
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
        with self.sql.transaction() as conn:
            conn.execute("UPDATE callback_outbox SET next_at = ? WHERE id = ?", (at, delivery_id))

    def remove(self, delivery_id: int) -> None:
        with self.sql.transaction() as conn:
            conn.execute("DELETE FROM callback_outbox WHERE id = ?", (delivery_id,))

    def pending(self) -> int:
        """Deliveries still in the outbox (queued or between retries)."""
        with self.sql.read() as conn:
            return int(conn.execute("SELECT COUNT(*) AS n FROM callback_outbox").fetchone()["n"])
