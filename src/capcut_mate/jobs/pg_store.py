"""Render tasks in PostgreSQL (cluster mode): the same records, states and guarantees as jobs/store.py.

procrastinate dispatches a job per task; this record stays the only thing gen_video_status reads. The
partial unique index keeps one pending/processing task per draft whichever API server submits. Leases
are measured on the database's clock, so workers on machines with skewed clocks still agree on who owns
a task. A worker takes a task by id (`claim_id`) when its procrastinate job starts; every later write is
guarded by the lease owner, as in the embedded store.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from capcut_mate.db import PgDatabase
from capcut_mate.errors import ApiError
from capcut_mate.jobs.pg_outbox import PgOutbox
from capcut_mate.jobs.store import (
    COMPLETED,
    FAILED,
    MAX_ATTEMPTS,
    PENDING,
    PROCESSING,
    Task,
    interrupted_messages,
    now_iso,
)

_NOW = "extract(epoch from clock_timestamp())::float8"


class PgTaskStore:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    # --- submission and queries (API side) ---

    def submit(
        self,
        draft_id: str,
        draft_url: str,
        callback_url: str | None,
        max_active: int,
        options: dict[str, Any] | None = None,
        enqueue: Callable[[Task, Any], None] | None = None,
    ) -> tuple[Task, bool]:
        """As TaskStore.submit, but `enqueue` runs inside the transaction: the task and its queue job are
        committed together or not at all."""
        with self.db.transaction() as conn:
            # Serialise submissions of one draft across API servers; the unique index is the backstop.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"render:{draft_id}",))
            row = conn.execute(
                "SELECT * FROM render_tasks WHERE draft_id = %s AND status IN ('pending', 'processing')", (draft_id,)
            ).fetchone()
            if row is not None:
                return Task.from_row(row), False
            active = conn.execute(
                "SELECT COUNT(*) AS n FROM render_tasks WHERE status IN ('pending', 'processing')"
            ).fetchone()["n"]
            if active >= max_active:
                raise ApiError(
                    "SERVICE_BUSY",
                    f"{active} render tasks are waiting or running, the limit is {max_active} "
                    "(CAPCUT_MATE_MAX_ACTIVE_TASKS); retry when gen_video_active_count drops",
                )
            row = conn.execute(
                "INSERT INTO render_tasks (task_id, draft_id, draft_url, status, progress, created_at, callback_url,"
                " report) VALUES (%s, %s, %s, 'pending', 0, %s, %s, %s) RETURNING *",
                (
                    uuid.uuid4().hex,
                    draft_id,
                    draft_url,
                    now_iso(),
                    callback_url,
                    Jsonb({"options": options}) if options else None,
                ),
            ).fetchone()
            _event(conn, row["task_id"], PENDING, 0, "submitted")
            task = Task.from_row(row)
            if enqueue is not None:
                enqueue(task, conn)
            return task, True

    def latest(self, draft_id: str) -> Task | None:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT * FROM render_tasks WHERE draft_id = %s ORDER BY seq DESC LIMIT 1", (draft_id,)
            ).fetchone()
        return Task.from_row(row) if row else None

    def get(self, task_id: str) -> Task | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT * FROM render_tasks WHERE task_id = %s", (task_id,)).fetchone()
        return Task.from_row(row) if row else None

    def recent(self, limit: int) -> list[Task]:
        """The newest tasks of all drafts, newest first (the console's task list)."""
        with self.db.read() as conn:
            rows = conn.execute("SELECT * FROM render_tasks ORDER BY seq DESC LIMIT %s", (limit,)).fetchall()
        return [Task.from_row(row) for row in rows]

    def active_count(self) -> int:
        with self.db.read() as conn:
            query = "SELECT COUNT(*) AS n FROM render_tasks WHERE status IN ('pending', 'processing')"
            return conn.execute(query).fetchone()["n"]

    def events(self, task_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT at, status, progress, note FROM render_task_events WHERE task_id = %s ORDER BY id", (task_id,)
            ).fetchall()
        return [dict(row) for row in rows]

    # --- the worker side ---

    def claim_id(self, task_id: str, owner: str, lease_s: float) -> tuple[Task | None, float]:
        """Take this task if it is pending or its lease ran out: (task, 0). (None, wait_s) while another
        owner's lease is still live, (None, -1) when there is nothing to do (finished, gone, or failed here
        after MAX_ATTEMPTS deaths)."""
        with self.db.transaction() as conn:
            row = conn.execute(
                f"SELECT *, {_NOW} AS now FROM render_tasks WHERE task_id = %s FOR UPDATE", (task_id,)
            ).fetchone()
            if row is None or row["status"] not in (PENDING, PROCESSING):
                return None, -1
            if row["status"] == PROCESSING and row["lease_owner"] and (row["lease_expires"] or 0) > row["now"]:
                return None, row["lease_expires"] - row["now"]
            if row["status"] == PROCESSING and row["attempts"] >= MAX_ATTEMPTS:
                self._fail(conn, task_id, None, "RENDER_INTERRUPTED", *interrupted_messages())
                return None, -1
            row = conn.execute(
                "UPDATE render_tasks SET status = 'processing', progress = GREATEST(progress, 10),"
                " started_at = COALESCE(started_at, %s), attempts = attempts + 1, lease_owner = %s,"
                f" lease_expires = {_NOW} + %s WHERE task_id = %s RETURNING *",
                (now_iso(), owner, lease_s, task_id),
            ).fetchone()
            task = Task.from_row(row)
            note = f"claimed by {owner}" + (f" (attempt {task.attempts})" if task.attempts > 1 else "")
            _event(conn, task_id, PROCESSING, task.progress, note)
            return task, 0.0

    def renew(self, task_id: str, owner: str, lease_s: float) -> bool:
        with self.db.transaction() as conn:
            cur = conn.execute(
                f"UPDATE render_tasks SET lease_expires = {_NOW} + %s WHERE task_id = %s AND lease_owner = %s"
                " AND status = 'processing'",
                (lease_s, task_id, owner),
            )
            return cur.rowcount == 1

    def advance(self, task_id: str, owner: str, progress: int, note: str = "") -> bool:
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE render_tasks SET progress = GREATEST(progress, %s) WHERE task_id = %s AND lease_owner = %s"
                " AND status = 'processing'",
                (progress, task_id, owner),
            )
            if cur.rowcount == 1 and note:
                _event(conn, task_id, PROCESSING, progress, note)
            return cur.rowcount == 1

    def complete(self, task_id: str, owner: str, output_path: str, report: dict[str, Any]) -> bool:
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE render_tasks SET status = 'completed', progress = 100, output_path = %s, report = %s,"
                " completed_at = %s, lease_owner = NULL, lease_expires = NULL"
                " WHERE task_id = %s AND lease_owner = %s AND status = 'processing'",
                (output_path, Jsonb(report), now_iso(), task_id, owner),
            )
            if cur.rowcount == 1:
                _event(conn, task_id, COMPLETED, 100, output_path)
            return cur.rowcount == 1

    def fail(self, task_id: str, owner: str, code: str, zh: str, en: str, report: dict[str, Any] | None = None) -> bool:
        with self.db.transaction() as conn:
            return self._fail(conn, task_id, owner, code, zh, en, report)

    @staticmethod
    def _fail(
        conn: Any,
        task_id: str,
        owner: str | None,
        code: str,
        zh: str,
        en: str,
        report: dict[str, Any] | None = None,
    ) -> bool:
        """Mark failed; `report` (the error and, for renderer bugs, what ffmpeg refused) replaces the old one."""
        guard = " AND lease_owner = %s" if owner is not None else ""
        cur = conn.execute(
            "UPDATE render_tasks SET status = 'failed', progress = 0, error_code = %s, error_zh = %s, error_en = %s,"
            " report = %s, completed_at = %s, lease_owner = NULL, lease_expires = NULL"
            f" WHERE task_id = %s AND status = 'processing'{guard}",
            (
                code,
                zh,
                en,
                Jsonb(report) if report else None,
                now_iso(),
                task_id,
                *((owner,) if owner is not None else ()),
            ),
        )
        if cur.rowcount == 1:
            _event(conn, task_id, FAILED, 0, f"{code}: {en}")
        return cur.rowcount == 1

    def release(self, task_id: str, owner: str, note: str) -> None:
        with self.db.transaction() as conn:
            row = conn.execute(
                "UPDATE render_tasks SET lease_owner = NULL, lease_expires = 0"
                " WHERE task_id = %s AND lease_owner = %s AND status = 'processing' RETURNING progress",
                (task_id, owner),
            ).fetchone()
            if row is not None:
                _event(conn, task_id, PROCESSING, row["progress"], note)

    def outbox(self) -> PgOutbox:
        """The callback outbox, in the same database."""
        return PgOutbox(self.db)

    def note(self, task_id: str, note: str) -> None:
        with self.db.transaction() as conn:
            row = conn.execute("SELECT status, progress FROM render_tasks WHERE task_id = %s", (task_id,)).fetchone()
            if row is not None:
                _event(conn, task_id, row["status"], row["progress"], note)

    # --- housekeeping ---

    def processing_owners(self) -> list[str]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT lease_owner FROM render_tasks WHERE status = 'processing' AND lease_owner IS NOT NULL"
            ).fetchall()
        return [row["lease_owner"] for row in rows]

    def expire_owner(self, owner: str) -> int:
        with self.db.transaction() as conn:
            rows = conn.execute(
                "UPDATE render_tasks SET lease_expires = 0 WHERE lease_owner = %s AND status = 'processing'"
                " RETURNING task_id, progress",
                (owner,),
            ).fetchall()
            for row in rows:
                _event(conn, row["task_id"], PROCESSING, row["progress"], f"owner {owner} is gone; requeued")
            return len(rows)

    def processing_ids(self) -> set[str]:
        with self.db.read() as conn:
            rows = conn.execute("SELECT task_id FROM render_tasks WHERE status = 'processing'").fetchall()
        return {row["task_id"] for row in rows}

    def prune(self, retention_days: float) -> list[str]:
        cutoff = (datetime.now(UTC) - timedelta(days=retention_days)).isoformat(timespec="milliseconds")
        cutoff = cutoff.replace("+00:00", "Z")
        with self.db.transaction() as conn:
            rows = conn.execute(
                "DELETE FROM render_tasks WHERE completed_at IS NOT NULL AND completed_at < %s"
                " AND status IN ('completed', 'failed') RETURNING task_id, output_path",
                (cutoff,),
            ).fetchall()
            ids = [row["task_id"] for row in rows]
            conn.execute("DELETE FROM render_task_events WHERE task_id = ANY(%s)", (ids,))
        return [row["output_path"] for row in rows if row["output_path"]]


def _event(conn: Any, task_id: str, status: str, progress: int, note: str) -> None:
    conn.execute(
        "INSERT INTO render_task_events (task_id, at, status, progress, note) VALUES (%s, %s, %s, %s, %s)",
        (task_id, now_iso(), status, progress, note),
    )
