"""Render tasks in PostgreSQL (cluster mode): the state machine of jobs/tasks.py, and the claim by id.

procrastinate dispatches a job per task; this record stays the only thing gen_video_status reads. A
worker takes a task by id (`claim_id`) when its procrastinate job starts, waiting while another owner's
lease is live. Leases are measured on the database's clock, so workers on machines with skewed clocks
still agree on who owns a task. The tables come with the schema (sql/postgres.sql, applied by migrate).
"""

from __future__ import annotations

from capcut_mate.db import PgDatabase
from capcut_mate.jobs.dialect import PG_NOW, PgDialect
from capcut_mate.jobs.tasks import MAX_ATTEMPTS, PENDING, PROCESSING, BaseTaskStore, Task


class PgTaskStore(BaseTaskStore):
    def __init__(self, db: PgDatabase) -> None:
        super().__init__(PgDialect(db))

    def claim_id(self, task_id: str, owner: str, lease_s: float) -> tuple[Task | None, float]:
        """Take this task if it is pending or its lease ran out: (task, 0). (None, wait_s) while another
        owner's lease is still live, (None, -1) when there is nothing to do (finished, gone, or failed here
        after MAX_ATTEMPTS deaths)."""
        with self.sql.transaction() as conn:
            row = conn.execute(
                f"SELECT *, {PG_NOW} AS now FROM render_tasks WHERE task_id = ? FOR UPDATE", (task_id,)
            ).fetchone()
            if row is None or row["status"] not in (PENDING, PROCESSING):
                return None, -1
            # a live lease: another owner's, or the back-off of a retry after an outage (no owner)
            if row["status"] == PROCESSING and (row["lease_expires"] or 0) > row["now"]:
                return None, row["lease_expires"] - row["now"]
            if row["status"] == PROCESSING and row["attempts"] >= MAX_ATTEMPTS:
                self._give_up(conn, task_id)
                return None, -1
            return self._take(conn, "task_id = ?", (task_id,), owner, lease_s), 0.0
