"""The contract suite's backends: every test here runs on a SQLite file, SQLite in memory and PostgreSQL.

PostgreSQL is the development/CI server (CAPCUT_MATE_TEST_PG, default 127.0.0.1:5432 db `test`): each test
gets a schema of its own, dropped afterwards. Without a server the PostgreSQL cases skip with the reason,
or fail under CAPCUT_MATE_REQUIRE_CLUSTER_TESTS=1 (tests/cluster/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from capcut_mate.persistence.connector import Connector
from capcut_mate.persistence.sqlite import MemoryConnector, SqliteConnector
from tests.cluster.conftest import ADMIN_URL, pg_admin

BACKENDS = ["sqlite", "memory", "postgres"]


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """The test database's URL with a brand-new schema first on the search path; the schema is dropped after."""
    schema = f"contract_{uuid.uuid4().hex[:12]}"
    with pg_admin() as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in ADMIN_URL else "?"
            yield f"{ADMIN_URL}{separator}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def open_backend(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Connector:
    """A migrated, empty database of the kind named."""
    db: Connector
    if backend == "sqlite":
        db = SqliteConnector(tmp_path / "db.sqlite3", tmp_path / "locks")
    elif backend == "memory":
        db = MemoryConnector()
    else:
        from capcut_mate.persistence.postgres import PgConnector

        db = PgConnector(request.getfixturevalue("pg_schema_url"), max_size=8)
    db.migrate()
    return db


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Connector]:
    connector = open_backend(request.param, tmp_path, request)
    try:
        yield connector
    finally:
        connector.close()
