"""The service's parts wired together once per process from Settings: the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from capcut_mate.config import Settings
from capcut_mate.db import Database
from capcut_mate.drafts.store import DraftStore
from capcut_mate.jobs.store import TaskStore
from capcut_mate.media.fetch import FetchPolicy, MediaFetcher

if TYPE_CHECKING:
    from capcut_mate.jobs.worker import WorkerPool


@dataclass
class Services:
    settings: Settings
    db: Database
    drafts: DraftStore
    fetcher: MediaFetcher
    tasks: TaskStore
    workers: WorkerPool | None = None  # in-process render workers, started by the app's lifespan

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        settings.ensure_dirs()
        db = Database(settings.db_path)
        policy = FetchPolicy(
            max_bytes=settings.max_download_bytes,
            timeout_s=settings.download_timeout,
            retries=settings.download_retries,
            allow_private=settings.allow_private_urls,
            max_pixels=settings.max_image_pixels,
            cache_max_bytes=settings.cache_max_bytes,
            cache_ttl_s=settings.cache_ttl,
        )
        return cls(
            settings=settings,
            db=db,
            drafts=DraftStore(settings.drafts_dir, db),
            fetcher=MediaFetcher(settings.cache_dir, policy),
            tasks=TaskStore(db),
        )
