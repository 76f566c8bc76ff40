"""PostgreSQL mode against a real server: the schema step, task records, and draft edits across servers."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from capcut_mate.errors import ApiError

psycopg = pytest.importorskip("psycopg", reason="cluster extra not installed (pip install -e '.[cluster]')")

from capcut_mate.db import PgDatabase  # noqa: E402
from capcut_mate.drafts.pg_index import PgDraftIndex  # noqa: E402
from capcut_mate.drafts.store import DraftStore  # noqa: E402
from capcut_mate.jobs.pg_store import PgTaskStore  # noqa: E402
from capcut_mate.jobs.store import MAX_ATTEMPTS  # noqa: E402
from capcut_mate.migrate import migrate  # noqa: E402
from capcut_mate.storage.local import LocalStorage  # noqa: E402

DRAFT = "20250101000000aaaaaaaaaaaaaaaa"


@pytest.fixture
def db(pg_url: str) -> PgDatabase:
    database = PgDatabase(pg_url)
    migrate(database)
    yield database
    database.close()


def test_migrate_is_idempotent_and_creates_both_schemas(pg_url: str) -> None:
    database = PgDatabase(pg_url, max_size=2)
    try:
        assert migrate(database) == ["capcut-mate tables created", "procrastinate schema applied"]
        assert migrate(database) == []
        with database.read() as conn:
            tables = {row["tablename"] for row in conn.execute("SELECT tablename FROM pg_tables").fetchall()}
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


def test_one_active_task_per_draft_is_enforced_by_the_database(db: PgDatabase) -> None:
    store = PgTaskStore(db)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.submit(DRAFT, "u", None, 100), range(16)))
    assert len({task.task_id for task, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with pytest.raises(psycopg.errors.UniqueViolation), db.transaction() as conn:
        conn.execute(
            "INSERT INTO render_tasks (task_id, draft_id, draft_url, status, created_at)"
            " VALUES ('other', %s, 'u', 'pending', 'now')",
            (DRAFT,),
        )
    with pytest.raises(ApiError) as busy:
        store.submit("20250101000000bbbbbbbbbbbbbbbb", "u", None, 1)
    assert busy.value.code == "SERVICE_BUSY"


def test_task_lifecycle_leases_and_history(db: PgDatabase) -> None:
    store = PgTaskStore(db)
    task, created = store.submit(DRAFT, "u", "http://cb", 10)
    assert created and task.status == "pending" and task.progress == 0
    claimed, wait = store.claim_id(task.task_id, "w1", 30)
    assert claimed is not None and claimed.status == "processing" and claimed.progress == 10 and wait == 0
    other, wait = store.claim_id(task.task_id, "w2", 30)
    assert other is None and 0 < wait <= 30  # w1's lease is live
    assert store.advance(task.task_id, "w1", 60, "encoding")
    assert store.advance(task.task_id, "w1", 40)
    assert not store.advance(task.task_id, "w2", 80)
    assert store.get(task.task_id).progress == 60
    assert store.expire_owner("w1") == 1  # w1 is gone: w2 takes over at once, progress kept
    taken, _ = store.claim_id(task.task_id, "w2", 30)
    assert taken is not None and taken.progress == 60 and taken.attempts == 2
    assert taken.created_at == task.created_at and taken.started_at == claimed.started_at
    assert not store.renew(task.task_id, "w1", 30) and store.renew(task.task_id, "w2", 30)
    assert store.complete(task.task_id, "w2", f"{DRAFT}/x.mp4", {"warnings": [{"feature": "数字人"}]})
    done = store.get(task.task_id)
    assert (done.status, done.progress, done.output_key) == ("completed", 100, f"outputs/{DRAFT}/x.mp4")
    assert done.report == {"warnings": [{"feature": "数字人"}]} and store.latest(DRAFT) == done
    assert store.claim_id(task.task_id, "w3", 30) == (None, -1)
    notes = [event["note"] for event in store.events(task.task_id)]
    assert notes[0] == "submitted" and "encoding" in notes and any("attempt 2" in n for n in notes)
    assert store.active_count() == 0
    again, created = store.submit(DRAFT, "u", None, 10)
    assert created and again.task_id != task.task_id and store.active_count() == 1


def test_output_choices_wait_with_the_task_for_its_worker(db: PgDatabase) -> None:
    store = PgTaskStore(db)
    choice = {"format": "webm", "resolution": "720p"}
    task, _ = store.submit(DRAFT, "u", None, 10, choice)
    claimed, _ = store.claim_id(task.task_id, "w1", 30)
    assert task.report == {"options": choice} and claimed is not None and claimed.report == {"options": choice}
    assert store.complete(task.task_id, "w1", f"{DRAFT}/x.webm", {"requested": choice})
    assert store.get(task.task_id).report == {"requested": choice}  # the render report replaces it


def test_repeated_deaths_fail_the_task(db: PgDatabase) -> None:
    store = PgTaskStore(db)
    task, _ = store.submit(DRAFT, "u", None, 10)
    for attempt in range(MAX_ATTEMPTS):
        claimed, _ = store.claim_id(task.task_id, f"w{attempt}", 30)
        assert claimed is not None
        store.expire_owner(f"w{attempt}")
    assert store.claim_id(task.task_id, "last", 30) == (None, -1)
    failed = store.get(task.task_id)
    assert failed.status == "failed" and failed.error_code == "RENDER_INTERRUPTED" and "中断" in failed.error_zh


def test_release_and_prune(db: PgDatabase) -> None:
    store = PgTaskStore(db)
    task, _ = store.submit(DRAFT, "u", None, 10)
    store.claim_id(task.task_id, "w1", 30)
    store.advance(task.task_id, "w1", 40)
    store.release(task.task_id, "w1", "worker stopped; requeued")
    again, _ = store.claim_id(task.task_id, "w2", 30)
    assert again is not None and again.progress == 40
    assert store.processing_owners() == ["w2"] and store.processing_ids() == {task.task_id}
    store.fail(task.task_id, "w2", "FFMPEG_FAILED", "zh", "en", {"error": {"code": "FFMPEG_FAILED", "debug": "graph"}})
    assert store.get(task.task_id).report == {"error": {"code": "FFMPEG_FAILED", "debug": "graph"}}
    assert store.prune(1.0) == []
    with db.transaction() as conn:
        conn.execute("UPDATE render_tasks SET completed_at = '2000-01-01T00:00:00.000Z'")
    assert store.prune(1.0) == [] and store.get(task.task_id) is None and store.events(task.task_id) == []


def test_draft_edits_on_two_servers_never_lose_an_update(pg_url: str, tmp_path: Path) -> None:
    """Two stores with their own connection pools (two API servers) append to one draft at once."""
    first, second = PgDatabase(pg_url), PgDatabase(pg_url)
    migrate(first)
    storage = LocalStorage(tmp_path)
    stores = [DraftStore(storage, PgDraftIndex(first)), DraftStore(storage, PgDraftIndex(second))]
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


def test_the_consoles_recent_drafts_and_tasks(db: PgDatabase, tmp_path: Path) -> None:
    drafts = DraftStore(LocalStorage(tmp_path), PgDraftIndex(db))
    ids = [drafts.create(64, 48) for _ in range(3)]
    with drafts.edit(ids[0]):
        pass  # edited last: its updated_at is the newest (possibly equal to a creation's, at ms resolution)
    rows = drafts.recent(10)
    stamps = [(row["updated_at"], row["created_at"]) for row in rows]
    assert stamps == sorted(stamps, reverse=True) and sorted(row["draft_id"] for row in rows) == sorted(ids)
    assert next(row for row in rows if row["draft_id"] == ids[0])["updated_at"] == stamps[0][0]
    assert [row["draft_id"] for row in drafts.recent(10, ids[1][-8:])] == [ids[1]]
    store = PgTaskStore(db)
    tasks = [store.submit(draft_id, "u", None, 10)[0] for draft_id in ids]
    assert [task.task_id for task in store.recent(2)] == [tasks[2].task_id, tasks[1].task_id]
