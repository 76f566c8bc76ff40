"""The units of chunked renders in PostgreSQL (cluster mode), claimable by any worker.

A task's parent worker records a split (its plan's fingerprint and the output settings) and one row per unit:
the audio track, then each video chunk. Units have leases on the database's clock, as tasks do: a worker
claims the next one with FOR UPDATE SKIP LOCKED (so claimers never wait on each other), renews the leases it
holds while it renders, and completes a unit with the storage key of its output. A unit whose owner stopped
renewing is claimed again by anyone, and only that unit is redone. Every write is guarded by owner and
fingerprint, so a late worker from an older split can never mix its chunk into a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from capcut_mate.db import PgDatabase
from capcut_mate.jobs.dialect import PG_NOW, now_iso
from capcut_mate.jobs.tasks import MAX_ATTEMPTS

# An ffmpeg run that failed is run once more (a crashed or killed run is often transient), as locally.
FFMPEG_TRIES = 2


@dataclass(frozen=True)
class Split:
    fingerprint: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class Unit:
    """One unit of a split: 0 the audio over the whole timeline, n >= 1 video chunk n - 1."""

    task_id: str
    unit: int
    fingerprint: str
    start_us: int
    end_us: int
    state: str
    progress: float
    attempts: int
    lease_owner: str | None
    owners: list[str]
    output_key: str | None
    warnings: list[dict[str, str]]
    seconds: float | None
    error_code: str
    error_message: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Unit:
        fields = {name: row[name] for name in cls.__dataclass_fields__ if name != "warnings"}
        return cls(**fields, warnings=row["warnings"] or [])

    @property
    def chunk(self) -> int | None:
        """The video chunk's index in the plan; None for the audio."""
        return self.unit - 1 if self.unit else None


class PgChunkStore:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    # --- the parent ---

    def split(self, task_id: str) -> Split | None:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT fingerprint, settings FROM render_splits WHERE task_id = %s", (task_id,)
            ).fetchone()
        return Split(row["fingerprint"], row["settings"]) if row else None

    def replace_split(
        self, task_id: str, fingerprint: str, settings: dict[str, Any], spans: list[tuple[int, int]]
    ) -> None:
        """Forget any earlier split of the task and record this one, every unit pending. `spans`: the
        [start_us, end_us) of each unit, the audio first."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM render_chunks WHERE task_id = %s", (task_id,))
            conn.execute("DELETE FROM render_splits WHERE task_id = %s", (task_id,))
            conn.execute(
                "INSERT INTO render_splits (task_id, fingerprint, settings, created_at) VALUES (%s, %s, %s, %s)",
                (task_id, fingerprint, Jsonb(settings), now_iso()),
            )
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO render_chunks (task_id, unit, fingerprint, start_us, end_us, state)"
                    " VALUES (%s, %s, %s, %s, %s, 'pending')",
                    [(task_id, n, fingerprint, start, end) for n, (start, end) in enumerate(spans)],
                )

    def retry_failed(self, task_id: str) -> None:
        """A new parent taking over a split: units an earlier attempt gave up on get another chance."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE render_chunks SET state = 'pending', attempts = 0, error_code = '', error_message = ''"
                " WHERE task_id = %s AND state = 'failed'",
                (task_id,),
            )

    def units(self, task_id: str, fingerprint: str) -> list[Unit]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT * FROM render_chunks WHERE task_id = %s AND fingerprint = %s ORDER BY unit",
                (task_id, fingerprint),
            ).fetchall()
        return [Unit.from_row(row) for row in rows]

    def delete_split(self, task_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM render_chunks WHERE task_id = %s", (task_id,))
            conn.execute("DELETE FROM render_splits WHERE task_id = %s", (task_id,))

    # --- any worker ---

    def claimable(self, task_id: str) -> bool:
        """Whether a unit of the task waits for a worker (pending, or its owner's lease ran out)."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM render_chunks WHERE task_id = %s AND (state = 'pending'"
                f" OR (state = 'running' AND lease_expires < {PG_NOW}))) AS found",
                (task_id,),
            ).fetchone()
        return bool(row["found"])

    def claim(self, task_id: str, fingerprint: str, owner: str, lease_s: float) -> Unit | None:
        """The next unit waiting for a worker, now leased to `owner`; None when none waits. A unit whose
        owners died MAX_ATTEMPTS times fails instead (a chunk that kills its worker, e.g. out of memory)."""
        while True:
            with self.db.transaction() as conn:
                row = conn.execute(
                    f"SELECT unit, attempts, state FROM render_chunks WHERE task_id = %s AND fingerprint = %s"
                    f" AND (state = 'pending' OR (state = 'running' AND lease_expires < {PG_NOW}))"
                    " ORDER BY unit LIMIT 1 FOR UPDATE SKIP LOCKED",
                    (task_id, fingerprint),
                ).fetchone()
                if row is None:
                    return None
                if row["state"] == "running" and row["attempts"] >= MAX_ATTEMPTS:
                    conn.execute(
                        "UPDATE render_chunks SET state = 'failed', lease_owner = NULL, error_code = %s,"
                        " error_message = %s WHERE task_id = %s AND unit = %s",
                        (
                            "RENDER_INTERRUPTED",
                            f"the worker rendering {describe(row['unit'])} stopped {row['attempts']} times",
                            task_id,
                            row["unit"],
                        ),
                    )
                    continue
                claimed = conn.execute(
                    "UPDATE render_chunks SET state = 'running', attempts = attempts + 1, lease_owner = %s,"
                    f" lease_expires = {PG_NOW} + %s, owners = array_append(owners, %s)"
                    " WHERE task_id = %s AND unit = %s RETURNING *",
                    (owner, lease_s, owner, task_id, row["unit"]),
                ).fetchone()
                return Unit.from_row(claimed)

    def renew(self, task_id: str, owner: str, lease_s: float) -> int:
        """Extend the leases of every unit of the task `owner` is rendering; how many it still holds."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                f"UPDATE render_chunks SET lease_expires = {PG_NOW} + %s"
                " WHERE task_id = %s AND lease_owner = %s AND state = 'running'",
                (lease_s, task_id, owner),
            )
            return cur.rowcount

    def advance(self, unit: Unit, owner: str, fraction: float) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE render_chunks SET progress = GREATEST(progress, %s)"
                " WHERE task_id = %s AND unit = %s AND fingerprint = %s AND lease_owner = %s AND state = 'running'",
                (fraction, unit.task_id, unit.unit, unit.fingerprint, owner),
            )

    def complete(self, unit: Unit, owner: str, output_key: str, warnings: list[dict[str, str]], seconds: float) -> bool:
        """Done, with its output; False when the unit is no longer this owner's (its lease ran out and
        another worker took it, or the split was replaced): the caller deletes its output."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE render_chunks SET state = 'done', progress = 1, output_key = %s, warnings = %s, seconds = %s,"
                " lease_owner = NULL, lease_expires = NULL"
                " WHERE task_id = %s AND unit = %s AND fingerprint = %s AND lease_owner = %s AND state = 'running'",
                (output_key, Jsonb(warnings), seconds, unit.task_id, unit.unit, unit.fingerprint, owner),
            )
            return cur.rowcount == 1

    def fail(self, unit: Unit, owner: str, code: str, message: str) -> None:
        """The unit's render failed: a failed ffmpeg run goes back to the queue until it has run FFMPEG_TRIES
        times; anything else (missing media, a full disk) fails the unit, and so the render."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE render_chunks SET lease_owner = NULL, lease_expires = NULL, error_code = %s,"
                " error_message = %s,"
                " state = CASE WHEN %s = 'FFMPEG_FAILED' AND attempts < %s THEN 'pending' ELSE 'failed' END"
                " WHERE task_id = %s AND unit = %s AND fingerprint = %s AND lease_owner = %s AND state = 'running'",
                (code, message, code, FFMPEG_TRIES, unit.task_id, unit.unit, unit.fingerprint, owner),
            )

    def release(self, unit: Unit, owner: str) -> None:
        """Give the unit back untouched (its render stopped for a reason of this process's): claimable at once."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE render_chunks SET lease_expires = 0"
                " WHERE task_id = %s AND unit = %s AND fingerprint = %s AND lease_owner = %s AND state = 'running'",
                (unit.task_id, unit.unit, unit.fingerprint, owner),
            )

    def release_owner(self, owner: str) -> int:
        """Make the units `owner` holds claimable at once (its render process is gone)."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE render_chunks SET lease_expires = 0 WHERE lease_owner = %s AND state = 'running'", (owner,)
            )
            return cur.rowcount

    # --- housekeeping ---

    def running_owners(self) -> list[str]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT lease_owner FROM render_chunks WHERE state = 'running' AND lease_owner IS NOT NULL"
            ).fetchall()
        return [row["lease_owner"] for row in rows]

    def orphans(self) -> list[str]:
        """Tasks with a split that no worker will finish: completed, failed or gone."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT s.task_id FROM render_splits s LEFT JOIN render_tasks t ON t.task_id = s.task_id"
                " WHERE t.task_id IS NULL OR t.status NOT IN ('pending', 'processing')"
            ).fetchall()
        return [row["task_id"] for row in rows]


def describe(unit: int) -> str:
    return "the audio" if unit == 0 else f"chunk {unit - 1}"
