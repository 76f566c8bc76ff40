"""The units of chunked renders, claimable by any worker: written once over the connector.

A task's parent worker records a split (its plan's fingerprint and the output settings) and one row per unit:
the audio track, then each video chunk. Units have leases on the database's clock, as tasks do: a worker
claims the next one (in PostgreSQL with FOR UPDATE SKIP LOCKED, so claimers never wait on each other; in
SQLite one writer at a time), renews the leases it holds while it renders, and completes a unit with the
storage key of its output. A unit whose owner stopped renewing is claimed again by anyone, and only that
unit is redone. Every write is guarded by owner and fingerprint, so a late worker from an older split can
never mix its chunk into a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from capcut_mate.persistence.connector import Connector, Row, json_value
from capcut_mate.persistence.tasks import MAX_ATTEMPTS
from capcut_mate.persistence.times import now_iso

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
    reused: bool  # finished from the chunk cache (render/chunking/cache.py), not rendered

    @classmethod
    def from_row(cls, row: Row) -> Unit:
        fields = {name: row[name] for name in cls.__dataclass_fields__ if name not in ("owners", "warnings")}
        fields["progress"] = float(fields["progress"])  # SQLite gives back an integer 0 or 1
        fields["reused"] = bool(fields["reused"])  # and 0 or 1 for a boolean
        return cls(**fields, owners=json_value(row["owners"]), warnings=json_value(row["warnings"]) or [])

    @property
    def chunk(self) -> int | None:
        """The video chunk's index in the plan; None for the audio."""
        return self.unit - 1 if self.unit else None


def describe(unit: int) -> str:
    return "the audio" if unit == 0 else f"chunk {unit - 1}"


class ChunkStore:
    def __init__(self, db: Connector) -> None:
        self.db = db

    # --- the parent ---

    def split(self, task_id: str) -> Split | None:
        with self.db.read() as conn:
            row = conn.one("split_get", task_id=task_id)
        return Split(row["fingerprint"], json_value(row["settings"])) if row else None

    def replace_split(
        self, task_id: str, fingerprint: str, settings: dict[str, Any], spans: list[tuple[int, int]]
    ) -> None:
        """Forget any earlier split of the task and record this one, every unit pending. `spans`: the
        [start_us, end_us) of each unit, the audio first."""
        with self.db.transaction() as conn:
            conn.run("chunks_delete", task_id=task_id)
            conn.run("split_delete", task_id=task_id)
            conn.run(
                "split_insert",
                task_id=task_id,
                fingerprint=fingerprint,
                settings=self.db.json_param(settings),
                now=now_iso(),
            )
            conn.run_many(
                "chunk_insert",
                (
                    {"task_id": task_id, "unit": n, "fingerprint": fingerprint, "start_us": start, "end_us": end}
                    for n, (start, end) in enumerate(spans)
                ),
            )

    def retry_failed(self, task_id: str) -> None:
        """A new parent taking over a split: units an earlier attempt gave up on get another chance."""
        with self.db.transaction() as conn:
            conn.run("chunks_retry_failed", task_id=task_id)

    def units(self, task_id: str, fingerprint: str) -> list[Unit]:
        with self.db.read() as conn:
            return [Unit.from_row(row) for row in conn.all("chunks_of_split", task_id=task_id, fingerprint=fingerprint)]

    def delete_split(self, task_id: str) -> None:
        with self.db.transaction() as conn:
            conn.run("chunks_delete", task_id=task_id)
            conn.run("split_delete", task_id=task_id)

    # --- any worker ---

    def claimable(self, task_id: str) -> bool:
        """Whether a unit of the task waits for a worker (pending, or its owner's lease ran out)."""
        with self.db.read() as conn:
            row = conn.one("chunks_claimable", task_id=task_id)
        return bool(row and row["found"])

    def claim(self, task_id: str, fingerprint: str, owner: str, lease_s: float) -> Unit | None:
        """The next unit waiting for a worker, now leased to `owner`; None when none waits. A unit whose
        owners died MAX_ATTEMPTS times fails instead (a chunk that kills its worker, e.g. out of memory)."""
        while True:
            with self.db.transaction() as conn:
                row = conn.one("chunk_next", task_id=task_id, fingerprint=fingerprint)
                if row is None:
                    return None
                if row["state"] == "running" and row["attempts"] >= MAX_ATTEMPTS:
                    message = f"the worker rendering {describe(row['unit'])} stopped {row['attempts']} times"
                    conn.run("chunk_interrupted", task_id=task_id, unit=row["unit"], message=message)
                    continue
                claimed = conn.one("chunk_take", task_id=task_id, unit=row["unit"], owner=owner, lease_s=lease_s)
                return Unit.from_row(claimed) if claimed else None

    def renew(self, task_id: str, owner: str, lease_s: float) -> int:
        """Extend the leases of every unit of the task `owner` is rendering; how many it still holds."""
        with self.db.transaction() as conn:
            return conn.run("chunks_renew", task_id=task_id, owner=owner, lease_s=lease_s)

    def advance(self, unit: Unit, owner: str, fraction: float) -> None:
        with self.db.transaction() as conn:
            conn.run("chunk_advance", **_guard(unit, owner), fraction=fraction)

    def complete(
        self,
        unit: Unit,
        owner: str,
        output_key: str,
        warnings: list[dict[str, str]],
        seconds: float,
        reused: bool = False,
    ) -> bool:
        """Done, with its output (`reused`: taken from the chunk cache); False when the unit is no longer this
        owner's (its lease ran out and another worker took it, or the split was replaced): the caller deletes
        its output."""
        with self.db.transaction() as conn:
            done = conn.run(
                "chunk_complete",
                **_guard(unit, owner),
                output_key=output_key,
                warnings=self.db.json_param(warnings),
                seconds=seconds,
                reused=reused,
            )
            return done == 1

    def reuse(self, unit: Unit, output_key: str, warnings: list[dict[str, str]]) -> bool:
        """A waiting unit done from the chunk cache, with its output; False when a worker took it meanwhile
        (the caller deletes its output)."""
        with self.db.transaction() as conn:
            done = conn.run(
                "chunk_reuse",
                task_id=unit.task_id,
                unit=unit.unit,
                fingerprint=unit.fingerprint,
                output_key=output_key,
                warnings=self.db.json_param(warnings),
            )
            return done == 1

    def fail(self, unit: Unit, owner: str, code: str, message: str) -> None:
        """The unit's render failed: a failed ffmpeg run goes back to the queue until it has run FFMPEG_TRIES
        times; anything else (missing media, a full disk) fails the unit, and so the render."""
        with self.db.transaction() as conn:
            conn.run("chunk_fail", **_guard(unit, owner), code=code, message=message, tries=FFMPEG_TRIES)

    def release(self, unit: Unit, owner: str) -> None:
        """Give the unit back untouched (its render stopped for a reason of this process's): claimable at once."""
        with self.db.transaction() as conn:
            conn.run("chunk_release", **_guard(unit, owner))

    def release_owner(self, owner: str) -> int:
        """Make the units `owner` holds claimable at once (its render process is gone)."""
        with self.db.transaction() as conn:
            return conn.run("chunks_release_owner", owner=owner)

    # --- housekeeping ---

    def running_owners(self) -> list[str]:
        with self.db.read() as conn:
            return [row["lease_owner"] for row in conn.all("chunks_owners")]

    def orphans(self) -> list[str]:
        """Tasks with a split that no worker will finish: completed, failed or gone."""
        with self.db.read() as conn:
            return [row["task_id"] for row in conn.all("splits_orphaned")]


def _guard(unit: Unit, owner: str) -> dict[str, Any]:
    """The parameters every write of a worker is guarded by: its unit of its split, still its own."""
    return {"task_id": unit.task_id, "unit": unit.unit, "fingerprint": unit.fingerprint, "owner": owner}
