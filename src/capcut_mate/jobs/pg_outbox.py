"""The callback outbox in PostgreSQL (cluster mode): the same rows and leases as jobs/outbox.py.

Any worker on any machine may pick a delivery up; `FOR UPDATE SKIP LOCKED` lets claimers pass each
other without waiting, and the lease in `next_at` keeps a claimed row from being sent twice at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from capcut_mate.db import PgDatabase
from capcut_mate.jobs.outbox import Delivery, now_iso


class PgOutbox:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db  # the table comes with the schema (sql/postgres.sql, applied by migrate)

    def add(self, task_id: str, url: str, body: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO callback_outbox (task_id, url, body, next_at, created_at) VALUES (%s, %s, %s, %s, %s)",
                (task_id, url, body, time.time(), now_iso()),
            )

    def claim(self, lease_s: float, backoff: Callable[[int], float]) -> Delivery | None:
        now = time.time()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT id, task_id, url, body, attempts FROM callback_outbox WHERE next_at <= %s "
                "ORDER BY next_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                (now,),
            ).fetchone()
            if row is None:
                return None
            attempt = row["attempts"] + 1
            conn.execute(
                "UPDATE callback_outbox SET attempts = %s, next_at = %s WHERE id = %s",
                (attempt, now + lease_s + backoff(attempt), row["id"]),
            )
        return Delivery(row["id"], row["task_id"], row["url"], row["body"], attempt)

    def retry_at(self, delivery_id: int, at: float) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE callback_outbox SET next_at = %s WHERE id = %s", (at, delivery_id))

    def remove(self, delivery_id: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM callback_outbox WHERE id = %s", (delivery_id,))

    def pending(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT COUNT(*) AS n FROM callback_outbox").fetchone()["n"])
