"""Database access shared by every store: SQLite (embedded default: one file in the data directory, WAL,
short transactions) or PostgreSQL (cluster mode).

Each SQLite call opens its own connection, so threads and processes (server, workers) never share one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Database:
    """A SQLite file in WAL mode. `transaction()` yields a connection inside one IMMEDIATE transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._open()
        try:
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def ensure_schema(self, script: str) -> None:
        """Create tables and indexes (idempotent `CREATE ... IF NOT EXISTS` statements)."""
        conn = self._open()
        try:
            conn.executescript(script)
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._open()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads only: no write lock taken, WAL readers never wait on writers."""
        conn = self._open()
        try:
            yield conn
        finally:
            conn.close()


class PgDatabase:
    """PostgreSQL through a psycopg connection pool (cluster mode). Rows come back as dicts.

    `transaction()` yields a connection inside one transaction (committed when the block ends, rolled
    back if it raised); `read()` one in autocommit mode.
    """

    def __init__(self, url: str, max_size: int = 10) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.url = url
        self.pool = ConnectionPool(
            url, min_size=1, max_size=max_size, kwargs={"row_factory": dict_row, "autocommit": True}, open=True
        )

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.pool.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Any]:
        with self.pool.connection() as conn:
            yield conn

    def close(self) -> None:
        self.pool.close()
