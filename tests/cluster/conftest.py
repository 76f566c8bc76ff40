"""The cluster's real engines for tests: a fresh PostgreSQL database per test.

PostgreSQL comes from CAPCUT_MATE_TEST_PG (default: the development/CI server at 127.0.0.1:5432, trust
auth). Without one these tests skip with the reason, unless CAPCUT_MATE_REQUIRE_CLUSTER_TESTS=1 (set by
.ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

ADMIN_URL = os.environ.get("CAPCUT_MATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def unavailable(what: str, why: object) -> None:
    """Skip (visible in -ra's summary), or fail when the cluster tests are mandatory."""
    message = f"{what} unavailable: {why}"
    if os.environ.get("CAPCUT_MATE_REQUIRE_CLUSTER_TESTS") == "1":
        pytest.fail(f"{message} (CAPCUT_MATE_REQUIRE_CLUSTER_TESTS=1 makes the cluster tests mandatory)")
    pytest.skip(message)


def _with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a brand-new, empty database, dropped after the test."""
    try:
        import psycopg
    except ImportError as exc:
        unavailable("psycopg (pip install -e '.[cluster]')", exc)
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL at {ADMIN_URL}", exc)
    name = f"capcut_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _with_db(ADMIN_URL, name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
