"""Database access shared by every store: SQLite (embedded default: one file in the data directory, WAL,
short transactions) or PostgreSQL (cluster mode).

Each SQLite call opens its own connection, so threads and processes (server, workers) never share one.

A full disk must not leave a task "processing" forever because its failure cannot be written: a small
reserve file sits beside the SQLite database and is given back to the file system when free space runs
low, so the writes that record what happened still fit; it is set aside again once space returns.
(PostgreSQL lives on its own server: a worker's full scratch disk does not stop it recording a failure.)

Both wait a bounded time for the database (`timeout_s`, CAPCUT_MATE_DEPENDENCY_TIMEOUT): a locked SQLite file
or an unreachable PostgreSQL becomes an error within seconds, which the API answers with 503 and a worker
with a retry (outages.py), instead of a request hanging for half a minute. PostgreSQL's pool checks a
connection before lending it, so a database restart costs the next query a reconnect, not a failure.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESERVE_BYTES = 1024 * 1024  # room for a few hundred task updates


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC from the OS, or SQLite's own "database or disk is full"."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


class Database:
    """A SQLite file in WAL mode. `transaction()` yields a connection inside one IMMEDIATE transaction."""

    def __init__(self, path: Path, timeout_s: float = 5.0) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self._readers = threading.local()
        self.reserve = path.with_name(f".{path.name}.reserve")
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._open()
        try:
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def ensure_schema(self, script: str) -> None:
        """Create tables and indexes (idempotent `CREATE ... IF NOT EXISTS` statements)."""
        conn = self._open()
        try:
            conn.executescript(script)
        finally:
            conn.close()

    def _balance_reserve(self) -> None:
        """Give the reserve back when under RESERVE_BYTES are free; set it aside again above four times that."""
        try:
            stat = os.statvfs(self.path.parent)
            free = stat.f_bavail * stat.f_frsize
            if free < RESERVE_BYTES:
                self.reserve.unlink(missing_ok=True)
            elif free > 4 * RESERVE_BYTES and not self.reserve.exists():
                tmp = self.reserve.with_name(f"{self.reserve.name}.{os.getpid()}.{threading.get_ident()}.tmp")
                try:
                    tmp.write_bytes(b"\0" * RESERVE_BYTES)
                    os.replace(tmp, self.reserve)
                finally:
                    tmp.unlink(missing_ok=True)
        except OSError:
            pass  # the reserve is a best effort; the transaction says for itself whether it fits

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._balance_reserve()
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
        """This thread's read connection, kept open: a fresh one re-reads the schema (~2 ms), a kept one
        answers an indexed SELECT in well under a millisecond. In autocommit mode each SELECT sees the latest
        committed state, and WAL readers never wait on writers."""
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            conn = self._readers.conn = self._open()
        yield conn


class PgDatabase:
    """PostgreSQL through a psycopg connection pool (cluster mode). Rows come back as dicts.

    `transaction()` yields a connection inside one transaction (committed when the block ends, rolled
    back if it raised); `read()` one in autocommit mode.
    """

    def __init__(self, url: str, max_size: int = 10, timeout_s: float = 5.0) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.url = url
        kwargs = {"row_factory": dict_row, "autocommit": True, "connect_timeout": max(1, round(timeout_s))}
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
    def transaction(self) -> Iterator[Any]:
        with self.pool.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Any]:
        with self.pool.connection() as conn:
            yield conn

    def close(self) -> None:
        self.pool.close()
