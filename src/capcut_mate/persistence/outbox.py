"""The callback outbox: deliveries written down before they are attempted, in the task store's database.

Written once over the connector: the embedded SQLite file or PostgreSQL (cluster mode). Each task store
hands out its own (`TaskStore.outbox()`), so the callback sender never knows which database it writes to.
A claim leases the row by pushing its `next_at` past the attempt's time budget, so another process (or
machine) never sends it twice at once; in PostgreSQL claimers also skip rows another one has locked
rather than wait for it. Times here are the sender's clock in both databases.

A row stays after its last attempt, as `delivered` or `failed`, so gen_video_status and gen_video_report
can show what became of the callback (`state`) and `redeliver` can send it again; it goes with its task
when the task is pruned.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from capcut_mate.persistence.connector import Connector
from capcut_mate.persistence.times import iso, now_iso

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class Delivery:
    id: int
    task_id: str
    url: str
    body: str
    attempt: int  # this one, counting from 1
    created_at: str  # when it was written down (or redelivered): its age counts from here


class Outbox:
    def __init__(self, db: Connector) -> None:
        self.db = db

    def add(self, task_id: str, url: str, body: str) -> None:
        """Write a delivery down, due now."""
        with self.db.transaction() as conn:
            conn.run("outbox_add", task_id=task_id, url=url, body=body, next_at=time.time(), created_at=now_iso())

    def claim(self, lease_s: float, backoff: Callable[[int], float]) -> Delivery | None:
        """The next due delivery, counted as one more attempt and held for `lease_s` plus the back-off
        after that attempt (`backoff(attempt)` seconds)."""
        now = time.time()
        with self.db.transaction() as conn:
            row = conn.one("outbox_next", now=now)
            if row is None:
                return None
            attempt = row["attempts"] + 1
            conn.run("outbox_hold", id=row["id"], attempts=attempt, next_at=now + lease_s + backoff(attempt))
        return Delivery(row["id"], row["task_id"], row["url"], row["body"], attempt, row["created_at"])

    def retry_at(self, delivery_id: int, at: float, last_error: str) -> None:
        with self.db.transaction() as conn:
            conn.run("outbox_retry_at", id=delivery_id, next_at=at, last_error=last_error)

    def finish(self, delivery_id: int, state: str, last_error: str = "") -> None:
        """Delivered, or failed for good (its address refused, or retried past the maximum age)."""
        with self.db.transaction() as conn:
            conn.run("outbox_finish", id=delivery_id, state=state, last_error=last_error, finished_at=now_iso())

    def redeliver(self, task_id: str) -> bool:
        """Send the task's latest callback again, now, with a fresh maximum age; False when it has none."""
        with self.db.transaction() as conn:
            row = conn.one("outbox_latest_id", task_id=task_id)
            if row is None:
                return False
            conn.run("outbox_redeliver", id=row["id"], next_at=time.time(), created_at=now_iso())
        return True

    def state(self, task_id: str) -> dict[str, Any] | None:
        """What became of the task's latest callback: state, attempts, last_error, next_attempt_at (while
        pending), finished_at (once delivered or failed). None before one is written down."""
        with self.db.read() as conn:
            row = conn.one("outbox_state", task_id=task_id)
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
        with self.db.read() as conn:
            return conn.count("outbox_pending")
