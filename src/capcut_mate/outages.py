"""Which failures are infrastructure blinking, told apart in one place.

A database restart, a bucket that stops answering or a network timeout says nothing about the request or
the render that met it: the same work succeeds once the dependency is back. So the API answers such a
failure with 503 + Retry-After (api/guard.py), a worker hands the task back for a retry with back-off
instead of failing it (jobs/outcomes.py), and a render process reports it as UNAVAILABLE rather than
INTERNAL (jobs/render_one.py). Everything else keeps its own meaning: a missing table, a refused
credential or a bug is not an outage and is not retried forever.

The cluster's libraries (psycopg, botocore) are optional: they are looked up only when installed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

DATABASE, STORAGE = "database", "storage"

# S3 error codes that mean "the service, not the request": retrying the same request can succeed.
_S3_TRANSIENT = {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "RequestTimeTooSkewed"}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and those it was raised from or during (procrastinate and boto3 wrap the driver's)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _database(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return "locked" in text or "busy" in text
    try:
        import psycopg
    except ImportError:
        return False
    # OperationalError covers a refused or lost connection, an administrator's shutdown (a restart), the
    # pool's timeout (psycopg_pool.PoolTimeout derives from it), serialisation failures and deadlocks.
    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))


def _storage(exc: BaseException) -> bool:
    try:
        from botocore.exceptions import ClientError, ConnectionClosedError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotoConnectionError
    except ImportError:
        return False
    if isinstance(exc, (BotoConnectionError, HTTPClientError, ConnectionClosedError)):
        return True  # refused, reset, connect or read timeout
    if isinstance(exc, ClientError):
        response = exc.response or {}
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return status >= 500 or str(response.get("Error", {}).get("Code", "")) in _S3_TRANSIENT
    return False


def unavailable(exc: BaseException) -> str | None:
    """DATABASE or STORAGE when `exc` (or what it wraps) is that dependency being unreachable, else None."""
    for link in _chain(exc):
        if _database(link):
            return DATABASE
        if _storage(link):
            return STORAGE
    return None
