"""The one interface every store is written against: a database that runs named queries.

Modelled on procrastinate's connectors: the stores never hold SQL text, they name a query (`conn.one(
"task_get", task_id=...)`) and the connector runs its dialect's version of it. Queries live in SQL files:
`sql/common/*.sql` holds the ones both dialects spell alike, `sql/<dialect>/queries.sql` the few that must
differ (row locks, arrays, string search); a name is defined once per dialect, never twice. Parameters are
written `:name`; PostgreSQL's `%(name)s` is put in when the file is loaded, so the text must not hold a
literal `%`.

Both dialects give the queries a `capcut_clock()` function, the Unix time of the clock leases are measured
on: SQLite lives in this process, so its clock is this machine's; PostgreSQL serves many machines whose
clocks may disagree, so its clock is the database server's.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from functools import cache
from importlib import resources
from typing import Any, Literal

Dialect = Literal["sqlite", "postgres"]
Row = dict[str, Any]

# "-- name --" starts a query; the comment lines right after it say what it is for (procrastinate's format).
_QUERY_HEADER = re.compile(r"^-- ([a-z0-9_]+) --\n(?:--.*\n)*", re.MULTILINE)
_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


# A transaction to write in, opened on demand (Connector.exclusive).
Writes = Callable[[], AbstractContextManager["Connection"]]


class LockTimeout(Exception):
    """`Connector.exclusive` waited its whole timeout for the lock."""


def sql_file(dialect: Dialect | Literal["common"], name: str) -> str:
    return (resources.files("capcut_mate.persistence") / "sql" / dialect / name).read_text(encoding="utf-8")


def parse_queries(text: str) -> dict[str, str]:
    """The named queries of one SQL file (the text before the first header is the file's own comment)."""
    parts = _QUERY_HEADER.split(text)[1:]
    return {name: body.strip().rstrip(";") for name, body in zip(parts[::2], parts[1::2], strict=True)}


@cache
def queries_of(dialect: Dialect) -> dict[str, str]:
    """Every named query of a dialect: the common files', then the dialect's own."""
    folder = resources.files("capcut_mate.persistence") / "sql"
    files = sorted((f for f in (folder / "common").iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    files.append(folder / dialect / "queries.sql")
    return merge_queries((file.read_text(encoding="utf-8") for file in files), dialect)


def merge_queries(texts: Iterable[str], dialect: Dialect) -> dict[str, str]:
    """The queries of several SQL files, in the dialect's parameter style. A name defined twice is an
    error: each query is written once per dialect."""
    found: dict[str, str] = {}
    for text in texts:
        for name, query in parse_queries(text).items():
            if name in found:
                raise ValueError(f"query {name} is defined twice for {dialect}")
            found[name] = query if dialect == "sqlite" else _PARAM.sub(r"%(\1)s", query)
    return found


class Connection:
    """One connection inside a transaction (or a read), running the connector's named queries. Rows come
    back as dicts."""

    def __init__(self, raw: Any, queries: Mapping[str, str]) -> None:
        self.raw = raw  # the driver's own connection, for work that shares the transaction (procrastinate)
        self._queries = queries

    def one(self, name: str, **params: Any) -> Row | None:
        row: Row | None = self.raw.execute(self._queries[name], params).fetchone()
        return row

    def all(self, name: str, **params: Any) -> list[Row]:
        rows: list[Row] = self.raw.execute(self._queries[name], params).fetchall()
        return rows

    def run(self, name: str, **params: Any) -> int:
        """Run a writing query; how many rows it changed."""
        count: int = self.raw.execute(self._queries[name], params).rowcount
        return count

    def run_many(self, name: str, rows: Iterable[Mapping[str, Any]]) -> None:
        cursor = self.raw.cursor()
        try:
            cursor.executemany(self._queries[name], list(rows))
        finally:
            cursor.close()

    def count(self, name: str, **params: Any) -> int:
        """A query that selects one number, as `n`."""
        row = self.one(name, **params)
        return int(row["n"]) if row else 0


class Connector(ABC):
    """A database the stores run their named queries on."""

    dialect: Dialect
    # True when procrastinate's tables live in this database, so a queue job can be written in the same
    # transaction as its task (PostgreSQL); False: the queue only wakes this process's workers (SQLite).
    hosts_queue: bool = False

    @property
    def queries(self) -> dict[str, str]:
        return queries_of(self.dialect)

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Connection]:
        """A connection inside one transaction: committed when the block ends, rolled back if it raised."""

    @abstractmethod
    def read(self) -> AbstractContextManager[Connection]:
        """A connection for reads only, each seeing the latest committed state."""

    @abstractmethod
    def serialise(self, conn: Connection, key: str) -> None:
        """Make the transactions that name the same `key` run one after another."""

    @abstractmethod
    def exclusive(self, key: str, timeout_s: float) -> AbstractContextManager[Writes]:
        """Hold a lock named `key` for the block, against every user of this database; LockTimeout when it
        stayed taken for `timeout_s`. Yields how to write while still holding it: in the lock's own
        transaction where the lock is one (PostgreSQL: no second connection), else in a new one."""

    @abstractmethod
    def migrate(self) -> list[str]:
        """Create or upgrade the tables (idempotent, safe from many processes at once); what was done."""

    def json_param(self, value: Any) -> Any:
        """`value` as the parameter of a JSON column (SQLite keeps JSON as text)."""
        return json.dumps(value, ensure_ascii=False)

    @abstractmethod
    def close(self) -> None:
        """Give back the connections this connector holds."""


def json_value(raw: Any) -> Any:
    """A JSON column as read back: SQLite's text parsed, PostgreSQL's JSONB already a value."""
    return json.loads(raw) if isinstance(raw, str) else raw
