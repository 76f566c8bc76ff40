"""Render tasks in the embedded SQLite file (jobs/tasks.py has the state machine): the schema, and the claim.

Workers of one data directory, in any number of processes, claim the oldest claimable task with one UPDATE
under SQLite's single writer; a kept read connection answers idle polls without taking the write lock.
"""

from __future__ import annotations

import time

from capcut_mate.db import Database
from capcut_mate.jobs.dialect import SqliteDialect
from capcut_mate.jobs.outbox import NEW_COLUMNS
from capcut_mate.jobs.tasks import MAX_ATTEMPTS, BaseTaskStore, Task

# The job tables: render tasks, their history and the callback outbox (sql/postgres.sql in cluster mode).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS render_tasks (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id       TEXT NOT NULL UNIQUE,
    draft_id      TEXT NOT NULL,
    draft_url     TEXT NOT NULL,
    status        TEXT NOT NULL,
    progress      INTEGER NOT NULL DEFAULT 0,
    output_path   TEXT NOT NULL DEFAULT '',
    error_code    TEXT NOT NULL DEFAULT '',
    error_zh      TEXT NOT NULL DEFAULT '',
    error_en      TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    completed_at  TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_owner   TEXT,
    lease_expires REAL,
    callback_url  TEXT,
    report        TEXT
);
CREATE INDEX IF NOT EXISTS render_tasks_by_draft ON render_tasks (draft_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS render_tasks_one_active
    ON render_tasks (draft_id) WHERE status IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS render_tasks_queue ON render_tasks (seq) WHERE status IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS render_tasks_finished ON render_tasks (completed_at) WHERE completed_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS render_task_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id  TEXT NOT NULL,
    at       TEXT NOT NULL,
    status   TEXT NOT NULL,
    progress INTEGER NOT NULL,
    note     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS render_task_events_by_task ON render_task_events (task_id, id);
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
CREATE INDEX IF NOT EXISTS callback_outbox_by_task ON callback_outbox (task_id, id);
"""

# Pending, or processing with a lease that ran out before `?`.
_CLAIMABLE = "status IN ('pending', 'processing') AND (status = 'pending' OR lease_expires < ?)"


class TaskStore(BaseTaskStore):
    enqueue_in_transaction = False  # the embedded queue wakes this process's workers

    def __init__(self, db: Database) -> None:
        db.ensure_schema(_SCHEMA)
        _add_columns(db, "callback_outbox", NEW_COLUMNS)
        super().__init__(SqliteDialect(db))
        self.db = db

    def claim(self, owner: str, lease_s: float) -> Task | None:
        """Atomically take the oldest claimable task: pending, or processing with an expired lease.

        Tasks that already died MAX_ATTEMPTS times fail instead of being retried forever.
        """
        now = time.time()
        with self.sql.read() as conn:
            if conn.execute(f"SELECT 1 FROM render_tasks WHERE {_CLAIMABLE} LIMIT 1", (now,)).fetchone() is None:
                return None  # idle polls never take the write lock
        with self.sql.transaction() as conn:
            for row in conn.execute(
                "SELECT task_id FROM render_tasks WHERE status = 'processing' AND lease_expires < ? AND attempts >= ?",
                (now, MAX_ATTEMPTS),
            ).fetchall():
                self._give_up(conn, row["task_id"])
            oldest = f"seq = (SELECT seq FROM render_tasks WHERE {_CLAIMABLE} ORDER BY seq LIMIT 1)"
            return self._take(conn, oldest, (now,), owner, lease_s)


def _add_columns(db: Database, table: str, columns: dict[str, str]) -> None:
    """Columns a later version added, onto a database an earlier one created (SQLite has no ADD COLUMN IF
    NOT EXISTS); under the write lock, so processes starting together add each once."""
    with db.transaction() as conn:
        have = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})").fetchall()}
        for name, spec in columns.items():
            if name not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {spec}")
