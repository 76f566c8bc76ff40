"""The two databases the job tables live in, behind one small object, so the task store (jobs/tasks.py) and
the callback outbox (jobs/outbox.py) are each written once.

Queries are written with `?` placeholders (psycopg's `%s` is put in on the way to PostgreSQL, so they must
not hold a literal `?` or `%`). The rest that differs is a few spellings and one real choice, the clock
a lease is measured on: SQLite lives in this process, so its leases use this machine's clock; PostgreSQL
serves many machines whose clocks may disagree, so its leases use the database's own clock.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

# PostgreSQL's clock in Unix seconds: what the cluster's leases are measured on (tasks and chunks alike).
PG_NOW = "extract(epoch from clock_timestamp())::float8"


def iso(at: float) -> str:
    """Unix time `at` as ISO-8601 UTC with milliseconds and Z: the API's time format, and it sorts as text."""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso(time.time())


def age_s(at_iso: str) -> float:
    """Seconds since a time written by `iso` / `now_iso`."""
    return time.time() - datetime.fromisoformat(at_iso.replace("Z", "+00:00")).timestamp()


class Connection:
    """One connection of either database that takes `?` placeholders. Rows are read by column name
    (sqlite3.Row and psycopg's dict rows both allow it)."""

    def __init__(self, raw: Any, placeholder: str) -> None:
        self.raw = raw  # the driver's own connection, for work that shares the transaction (procrastinate)
        self._placeholder = placeholder

    def execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        """The driver's cursor (fetchone, fetchall, rowcount)."""
        return self.raw.execute(self._driver_sql(query), params)

    def executemany(self, query: str, params: Iterable[Sequence[Any]]) -> None:
        cursor = self.raw.cursor()
        try:
            cursor.executemany(self._driver_sql(query), params)
        finally:
            cursor.close()

    def _driver_sql(self, query: str) -> str:
        return query if self._placeholder == "?" else query.replace("?", self._placeholder)


class _Database(Protocol):
    """db.Database or db.PgDatabase."""

    def transaction(self) -> AbstractContextManager[Any]: ...

    def read(self) -> AbstractContextManager[Any]: ...


class Dialect(ABC):
    placeholder: str  # the driver's
    greatest: str  # the larger of two values
    skip_locked: str  # appended to a SELECT of the rows a transaction claims, so claimers pass each other

    def __init__(self, db: _Database) -> None:
        self.db = db

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed when the block ends, rolled back if it raised."""
        with self.db.transaction() as conn:
            yield Connection(conn, self.placeholder)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads only, each seeing the latest committed state."""
        with self.db.read() as conn:
            yield Connection(conn, self.placeholder)

    @abstractmethod
    def serialise(self, conn: Connection, key: str) -> None:
        """Make the transactions that name the same `key` run one after another."""

    @abstractmethod
    def json_param(self, value: Any) -> Any:
        """`value` as the parameter of a JSON column."""

    @abstractmethod
    def lease_until(self, lease_s: float) -> tuple[str, float]:
        """The SQL for when a lease taken now for `lease_s` runs out, with its one `?` parameter."""


class SqliteDialect(Dialect):
    """The embedded database: one file, every writing transaction serialised by BEGIN IMMEDIATE."""

    placeholder = "?"
    greatest = "MAX"
    skip_locked = ""  # BEGIN IMMEDIATE already lets one claimer in at a time, across processes

    def serialise(self, conn: Connection, key: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE runs every writing transaction one after another."""

    def json_param(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def lease_until(self, lease_s: float) -> tuple[str, float]:
        return "?", time.time() + lease_s


class PgDialect(Dialect):
    """Cluster mode: many machines on one PostgreSQL, so claims lock rows and leases use the database's clock."""

    placeholder = "%s"
    greatest = "GREATEST"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def serialise(self, conn: Connection, key: str) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (key,))

    def json_param(self, value: Any) -> Any:
        from psycopg.types.json import Jsonb  # the cluster's library, installed only with it

        return Jsonb(value)

    def lease_until(self, lease_s: float) -> tuple[str, float]:
        return f"{PG_NOW} + ?", lease_s
