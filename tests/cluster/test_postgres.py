"""PostgreSQL mode against a real server: the schema step, and draft edits across servers. (Task records,
the drafts index and its locks are in the contract suite, tests/persistence/.)"""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from capcut_mate.errors import ApiError

psycopg = pytest.importorskip("psycopg", reason="cluster extra not installed (pip install -e '.[cluster]')")

from capcut_mate.drafts.store import DraftStore  # noqa: E402
from capcut_mate.persistence.drafts import DraftIndex  # noqa: E402
from capcut_mate.persistence.postgres import PgConnector  # noqa: E402
from capcut_mate.storage.local import LocalStorage  # noqa: E402


def test_migrate_is_idempotent_and_creates_both_schemas(pg_url: str) -> None:
    database = PgConnector(pg_url, max_size=2)
    try:
        assert database.migrate() == ["capcut-mate tables created", "procrastinate schema applied"]
        assert database.migrate() == []
        with database.read() as conn:
            tables = {row["tablename"] for row in conn.raw.execute("SELECT tablename FROM pg_tables").fetchall()}
    finally:
        database.close()
    assert {"drafts", "render_tasks", "render_task_events", "procrastinate_jobs", "procrastinate_workers"} <= tables
    cli = subprocess.run(
        [sys.executable, "-m", "capcut_mate", "migrate", "--database-url", pg_url], capture_output=True, text=True
    )
    assert cli.returncode == 0 and "up to date" in cli.stdout, cli


def test_concurrent_migrations_from_many_processes_all_succeed(pg_url: str) -> None:
    """Several servers starting at once against an empty database: the advisory lock serialises them."""
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "capcut_mate", "migrate", "--database-url", pg_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert sorted(out.strip() for out, _ in outputs).count("schema is up to date") == 2


def test_draft_edits_on_two_servers_never_lose_an_update(pg_url: str, tmp_path: Path) -> None:
    """Two stores with their own connection pools (two API servers) append to one draft at once."""
    first, second = PgConnector(pg_url), PgConnector(pg_url)
    first.migrate()
    storage = LocalStorage(tmp_path)
    stores = [DraftStore(storage, DraftIndex(first)), DraftStore(storage, DraftIndex(second))]
    try:
        draft_id = stores[0].create(320, 240)

        def edit(n: int) -> None:
            with stores[n % 2].edit(draft_id) as doc:
                doc.setdefault("edits", []).append(n)

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(edit, range(40)))
        assert sorted(stores[1].load(draft_id)["edits"]) == list(range(40))

        failed = threading.Event()
        with pytest.raises(RuntimeError), stores[0].edit(draft_id) as doc:
            doc["edits"] = []
            failed.set()
            raise RuntimeError("the request failed half-way")
        assert failed.is_set() and len(stores[1].load(draft_id)["edits"]) == 40
        with pytest.raises(ApiError) as missing, stores[1].edit("20250101000000cccccccccccccccc"):
            pass
        assert missing.value.code == "DRAFT_NOT_FOUND"
    finally:
        first.close()
        second.close()
