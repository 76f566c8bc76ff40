"""SQLite connectors: a file in the data directory (the embedded default) and a private in-memory
database (fast tests), running the same SQL (sql/sqlite/, sql/common/).

File: WAL mode, short transactions, and a connection per transaction, so threads and processes (server,
workers) never share one; each thread keeps one read connection open (a fresh one re-reads the schema,
~2 ms; a kept one answers an indexed SELECT in well under a millisecond). Writing transactions are
BEGIN IMMEDIATE: SQLite's one writer serialises them across processes, which is what makes claims atomic.

A full disk must not leave a task "processing" forever because its failure cannot be written: a small
reserve file sits beside the database and is given back to the file system when free space runs low, so
the writes that record what happened still fit; it is set aside again once space returns.

The database waits a bounded time (`timeout_s`, CAPCUT_MATE_DEPENDENCY_TIMEOUT) for the write lock: a
locked file becomes an error within seconds (503 for the API, a retry for a worker; outages.py).

Memory: SQLite's ':memory:' behind the very same queries, rather than a Python imitation of them, so
a test on it proves the SQL the file runs. It is one connection that every thread shares under a lock
(a second ':memory:' connection would be a second, empty database), so it serialises everything: fine
for tests, not for a server.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from capcut_mate.locks import KeyedLocks
from capcut_mate.persistence.connector import Connection, Connector, LockTimeout, Writes, sql_file

RESERVE_BYTES = 1024 * 1024  # room for a few hundred task updates

# Columns a later version added, onto a database an earlier one created (SQLite has no ADD COLUMN IF NOT
# EXISTS); new databases get them from the schema. (table, column, definition)
ADDED_COLUMNS = (
    ("callback_outbox", "state", "TEXT NOT NULL DEFAULT 'pending'"),
    ("callback_outbox", "last_error", "TEXT NOT NULL DEFAULT ''"),
    ("callback_outbox", "finished_at", "TEXT"),
    ("render_chunks", "reused", "INTEGER NOT NULL DEFAULT 0"),
)


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC from the OS, or SQLite's own "database or disk is full"."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


def _greatest(a: Any, b: Any) -> Any:
    """PostgreSQL's GREATEST for two values: NULL only when both are."""
    return b if a is None else a if b is None else max(a, b)


class _SqliteConnector(Connector):
    dialect = "sqlite"

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._thread_locks = KeyedLocks()  # an entry lives only while its key is held

    def _configure(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        conn.row_factory = _dict_row
        conn.create_function("capcut_clock", 0, time.time)
        conn.create_function("greatest", 2, _greatest, deterministic=True)
        conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
        return conn

    def serialise(self, conn: Connection, key: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE runs every writing transaction one after another."""

    def migrate(self) -> list[str]:
        done: list[str] = []
        with self.transaction() as conn:
            if conn.raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'render_tasks'").fetchone() is None:
                done.append("capcut-mate tables created")
            for statement in _statements(sql_file("sqlite", "schema.sql")):
                conn.raw.execute(statement)
            for table, column, definition in ADDED_COLUMNS:
                have = {row["name"] for row in conn.raw.execute(f"PRAGMA table_info({table})").fetchall()}
                if column not in have:
                    conn.raw.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
                    done.append(f"{table}.{column} added")
        return done


def _statements(script: str) -> list[str]:
    """The statements of a schema file, run one by one inside the migration's transaction (executescript
    would commit it). Comments are whole lines starting with "--" and hold no ";"."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in code.split(";") if statement.strip()]


class SqliteConnector(_SqliteConnector):
    """A SQLite file in WAL mode. Edit locks (`exclusive`) hold across threads (a thread lock) and processes
    on this machine (an `flock` on a file under `locks_dir`): enough for one box."""

    def __init__(self, path: Path, locks_dir: Path | None = None, timeout_s: float = 5.0) -> None:
        super().__init__(timeout_s)
        self.path = path
        self.locks_dir = locks_dir or path.parent / "locks"
        self.reserve = path.with_name(f".{path.name}.reserve")
        self._readers = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.locks_dir.mkdir(parents=True, exist_ok=True)
        conn = self._open()
        try:
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        conn = self._configure(sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None))
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

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
    def transaction(self) -> Iterator[Connection]:
        self._balance_reserve()
        conn = self._open()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield Connection(conn, self.queries)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """This thread's read connection, kept open. In autocommit mode each SELECT sees the latest committed
        state, and WAL readers never wait on writers."""
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            conn = self._readers.conn = self._open()
        yield Connection(conn, self.queries)

    def close(self) -> None:
        """Close this thread's read connection (the others close with their threads)."""
        conn = getattr(self._readers, "conn", None)
        if conn is not None:
            conn.close()
            self._readers.conn = None

    @contextmanager
    def exclusive(self, key: str, timeout_s: float) -> Iterator[Writes]:
        deadline = time.monotonic() + timeout_s
        with self._thread_locks.hold(key, timeout=timeout_s) as acquired:
            if not acquired:
                raise LockTimeout(key)
            with open(self.locks_dir / f"{key}.lock", "a+") as handle:
                while True:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise LockTimeout(key) from None
                        time.sleep(0.02)
                try:
                    yield self.transaction
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)


class MemoryConnector(_SqliteConnector):
    """A private SQLite ':memory:' database: one connection, shared by every thread under a lock."""

    def __init__(self, timeout_s: float = 5.0) -> None:
        super().__init__(timeout_s)
        self._conn = self._configure(sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False))
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Connection(self._conn, self.queries)
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._lock:
            yield Connection(self._conn, self.queries)

    @contextmanager
    def exclusive(self, key: str, timeout_s: float) -> Iterator[Writes]:
        with self._thread_locks.hold(key, timeout=timeout_s) as acquired:
            if not acquired:
                raise LockTimeout(key)
            yield self.transaction

    def close(self) -> None:
        self._conn.close()
