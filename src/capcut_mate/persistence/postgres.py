"""PostgreSQL through a psycopg 3 connection pool (cluster mode).

The pool checks a connection before lending it, so a database restart costs the next query a reconnect,
not a failure, and it waits a bounded time for a connection (`timeout_s`, CAPCUT_MATE_DEPENDENCY_TIMEOUT):
an unreachable database becomes an error within seconds (503 for the API, a retry for a worker;
outages.py) instead of a request hanging. PostgreSQL lives on its own server: a worker's full scratch disk
does not stop it recording a failure.

`migrate` creates or upgrades capcut-mate's tables and procrastinate's queue tables; it is idempotent and
safe to run from many processes at once (an advisory lock serialises them), and runs at every start in
cluster mode and from `capcut-mate migrate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from psycopg.errors import LockNotAvailable
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from capcut_mate.persistence.connector import Connection, Connector, LockTimeout, Writes, sql_file

_MIGRATION_LOCK = 0x43415043  # "CAPC": one advisory lock for schema changes


class PgConnector(Connector):
    dialect = "postgres"
    hosts_queue = True  # procrastinate's tables are in the same database (migrate)

    def __init__(self, url: str, max_size: int = 10, timeout_s: float = 5.0) -> None:
        self.url = url
        kwargs: dict[str, Any] = {
            "row_factory": dict_row,
            "autocommit": True,
            "connect_timeout": max(1, round(timeout_s)),
        }
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            kwargs=kwargs,
            timeout=timeout_s,  # waiting for a connection: PoolTimeout (an OperationalError) after this
            check=ConnectionPool.check_connection,  # a connection a restart broke is replaced, not lent
            open=True,
        )

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.pool.connection() as conn, conn.transaction():
            yield Connection(conn, self.queries)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.pool.connection() as conn:
            yield Connection(conn, self.queries)

    def serialise(self, conn: Connection, key: str) -> None:
        conn.one("serialise", key=key)

    @contextmanager
    def exclusive(self, key: str, timeout_s: float) -> Iterator[Writes]:
        """An advisory lock held by a transaction that stays open for the block (one connection of the pool);
        writes made under it join that transaction."""
        with self.transaction() as conn:
            conn.one("lock_timeout", timeout_ms=f"{int(timeout_s * 1000)}ms")
            try:
                self.serialise(conn, key)
            except LockNotAvailable:
                raise LockTimeout(key) from None
            yield lambda: nullcontext(conn)

    def json_param(self, value: Any) -> Jsonb:
        return Jsonb(value)

    def migrate(self) -> list[str]:
        from procrastinate.schema import SchemaManager

        done: list[str] = []
        with self.transaction() as conn:
            conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            found = conn.raw.execute("SELECT to_regclass('render_tasks') IS NOT NULL AS ok").fetchone()
            conn.raw.execute(sql_file("postgres", "schema.sql").encode())
            if not found["ok"]:
                done.append("capcut-mate tables created")
            if not conn.raw.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS ok").fetchone()["ok"]:
                conn.raw.execute(SchemaManager.get_schema().encode())
                done.append("procrastinate schema applied")
        return done

    def close(self) -> None:
        self.pool.close()
