"""The service's parts wired together once per process from Settings: the composition root.

Embedded default: SQLite in the data directory, local folders, the SQLite task table as the queue.
`CAPCUT_MATE_DATABASE_URL=postgresql://...`: PostgreSQL task records, drafts index and edit locks, and
procrastinate as the queue; the chunks of one long render are then units any worker takes (jobs/farm.py)
rather than threads of one render process. `CAPCUT_MATE_STORAGE_URL=s3://...`: draft folders and videos in
a bucket. This is the only module that knows which is in use; the cluster's libraries are imported only here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from capcut_mate.config import Settings
from capcut_mate.drafts.ids import public_base_of
from capcut_mate.drafts.store import DraftStore
from capcut_mate.jobs.queue import EmbeddedQueue, Queue
from capcut_mate.media.fetch import FetchPolicy, MediaFetcher
from capcut_mate.persistence.connector import Connector
from capcut_mate.persistence.drafts import DraftIndex
from capcut_mate.persistence.sqlite import SqliteConnector
from capcut_mate.persistence.tasks import Task, TaskStore
from capcut_mate.storage import Storage
from capcut_mate.storage.configured import storage_for

if TYPE_CHECKING:
    from capcut_mate.jobs.farm import RenderFarm
    from capcut_mate.jobs.pool import WorkerPool
    from capcut_mate.jobs.runner import Runner

CLUSTER_MODULES = {"psycopg", "psycopg_pool", "procrastinate", "boto3", "botocore"}


class MissingExtra(RuntimeError):
    """A setting asks for a part whose libraries are not installed; the message says what to install."""


@contextmanager
def cluster_extra(setting: str) -> Iterator[None]:
    """A cluster library missing while `setting` asks for it is MissingExtra naming the extra, not a traceback."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in CLUSTER_MODULES:
            raise
        raise MissingExtra(
            f"{setting} is set (cluster mode), which needs the cluster extra: pip install -e '.[cluster]' in a "
            f"checkout (or pip install 'capcut-mate[cluster]'); missing module: {exc.name}"
        ) from None


class Closer(Protocol):
    """What the services close when the process ends: the database's connections, the queue's."""

    def close(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    storage: Storage
    drafts: DraftStore
    fetcher: MediaFetcher
    tasks: TaskStore
    queue: Queue
    farm: RenderFarm | None = None  # cluster mode: chunks of a render on any worker; None: in-process chunks
    closers: list[Closer] = field(default_factory=list)
    workers: WorkerPool | None = None  # in-process render workers, started by the app's lifespan

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        settings.ensure_dirs()
        policy = FetchPolicy(
            max_bytes=settings.max_download_bytes,
            timeout_s=settings.download_timeout,
            retries=settings.download_retries,
            allow_private=settings.allow_private_urls,
            max_pixels=settings.max_image_pixels,
            cache_max_bytes=settings.cache_max_bytes,
            cache_ttl_s=settings.cache_ttl,
        )
        with cluster_extra("CAPCUT_MATE_STORAGE_URL"):
            storage = storage_for(settings)
        closers: list[Closer] = []
        farm = None
        db: Connector
        if settings.database_url:
            with cluster_extra("CAPCUT_MATE_DATABASE_URL"):
                from capcut_mate.jobs.farm import render_farm
                from capcut_mate.jobs.pg_queue import ProcrastinateQueue
                from capcut_mate.persistence.postgres import PgConnector

                db = PgConnector(settings.database_url, timeout_s=settings.dependency_timeout)
                db.migrate()
                tasks = TaskStore(db)
                procrastinate = ProcrastinateQueue(settings.database_url, tasks, settings.worker_lease_s)
                farm = render_farm(settings, storage, db)
            queue: Queue = procrastinate
            closers += [procrastinate, db]
        else:
            db = SqliteConnector(settings.db_path, settings.data_dir / "locks", settings.dependency_timeout)
            db.migrate()
            tasks = TaskStore(db)
            queue = EmbeddedQueue(tasks)
        return cls(
            settings=settings,
            storage=storage,
            drafts=DraftStore(storage, DraftIndex(db)),
            fetcher=MediaFetcher(settings.cache_dir, policy),
            tasks=tasks,
            queue=queue,
            farm=farm,
            closers=closers,
        )

    def video_url(self, task: Task, api_base: str | None = None) -> str:
        """Where a completed task's video downloads from ('' before that). `api_base`: the service's base
        URL as the client sees it; by default CAPCUT_MATE_PUBLIC_URL, else the one the draft_url was handed
        out under (a callback has no request to take it from)."""
        return self._url(task, task.output_key, api_base)

    def status_fields(self, task: Task, api_base: str | None = None, lang: str = "zh") -> dict[str, Any]:
        """What gen_video_status and the callback say of a task: the seed's fields, plus `cover_url` when
        gen_video asked for a cover."""
        return {**task.status_fields(self.video_url(task, api_base), lang), **self.cover_fields(task, api_base)}

    def cover_fields(self, task: Task, api_base: str | None = None) -> dict[str, str]:
        """`cover_url` for a task whose gen_video asked for a cover ('' until it is stored); nothing for the
        others, whose status keeps exactly the seed's fields."""
        report = task.report or {}
        if not (report.get("requested") or report.get("options") or {}).get("cover"):
            return {}
        return {"cover_url": self._url(task, report.get("cover"), api_base)}

    def _url(self, task: Task, key: str | None, api_base: str | None) -> str:
        if not key:
            return ""
        base = api_base or self.settings.public_url or public_base_of(task.draft_url)
        return self.storage.url(key, base)

    def submit_render(
        self, draft_id: str, draft_url: str, callback_url: str | None, options: dict[str, Any] | None = None
    ) -> tuple[Task, bool]:
        """The draft's active task, or a new one handed to the queue (atomically, where the queue can).
        `options`: gen_video's output choices, kept with the task for the worker."""
        return self.tasks.submit(
            draft_id, draft_url, callback_url, self.settings.max_active_tasks, options, enqueue=self.queue.enqueue
        )

    def worker_pool(self, count: int, runner: Runner | None = None) -> WorkerPool:
        """`count` renders at once, each in a child process unless `runner` says otherwise (tests)."""
        from capcut_mate.jobs.callbacks import CallbackSender
        from capcut_mate.jobs.pool import WorkerPool

        return WorkerPool(
            self.settings,
            self.tasks,
            self.drafts,
            self.storage,
            self.queue,
            CallbackSender.for_settings(self.tasks, self.settings),
            self.status_fields,
            count,
            self.farm,
            runner,
        )

    def start_in_process_workers(self) -> WorkerPool:
        """The server's own render threads (Settings.render_workers)."""
        self.workers = self.worker_pool(self.settings.render_workers).start()
        return self.workers

    def close(self) -> None:
        for closer in self.closers:
            closer.close()
