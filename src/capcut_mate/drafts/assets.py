"""Bring remote media into a draft: fetch and probe (cached, before the draft is locked), then store the
files in the draft's `assets/<kind>/` under the lock, taking them back out if the call fails.

Fetching runs before the lock, so slow downloads never hold up other edits of the same draft. Storing
happens inside the edit (a hard link on local disk, an upload to a bucket), and `placing` takes it back
when anything in the call raises (a bad item, an editing error, a failed save), still under the lock: a
failed call leaves the draft folder byte-identical, in the data directory and in a bucket alike. A file
is named by its content, so a URL whose content changed at its source gets a new file and the segments
made earlier keep theirs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from capcut_mate.drafts.editing import LocalMedia
from capcut_mate.drafts.fonts import DraftFont
from capcut_mate.drafts.store import DraftStore, font_files
from capcut_mate.errors import ApiError
from capcut_mate.media.fetch import FetchedMedia, MediaFetcher
from capcut_mate.media.font_file import FontFile

log = logging.getLogger(__name__)

PARALLEL_DOWNLOADS = 4


def fetch_media(fetcher: MediaFetcher, urls: Sequence[str]) -> list[FetchedMedia]:
    """Fetch and probe every URL (a few at a time), in order; the first failure is raised as is."""
    unique = list(dict.fromkeys(urls))  # a URL repeated in one call is fetched once
    if not unique:
        return []
    with ThreadPoolExecutor(max_workers=min(PARALLEL_DOWNLOADS, len(unique))) as pool:
        by_url = dict(zip(unique, pool.map(fetcher.fetch, unique), strict=True))
    return [by_url[url] for url in urls]


class Placement:
    """The assets one call added to a draft, so that they can be taken back out."""

    def __init__(self, drafts: DraftStore, draft_id: str) -> None:
        self.drafts = drafts
        self.draft_id = draft_id
        self.created: list[str] = []  # storage keys this call stored
        self.folders: list[Path] = []  # folders it made on local disk (a bucket has none)

    def place(self, fetched: Sequence[FetchedMedia], kind: str) -> list[LocalMedia]:
        """Store each fetched file in `assets/<kind>/`; the same content is stored once."""
        return [self._one(media, kind) for media in fetched]

    def place_font(self, font: FontFile) -> DraftFont:
        """Store a checked font in `assets/fonts/` by its content, with the record of its names beside it."""
        placed, files = font_files(font)
        for name, data in files:
            self._store("fonts", data, name)
        return placed

    def _store(self, kind: str, source: Path | bytes, name: str) -> str:
        """Store one file in `assets/<kind>/`, remembering what this call created; returns its material path."""
        for relative in ("assets", f"assets/{kind}"):
            folder = self.drafts.storage.local_path(self.drafts.key(self.draft_id, relative))
            if folder is not None and not folder.exists() and folder not in self.folders:
                self.folders.append(folder)
        path, created = self.drafts.add_asset(self.draft_id, kind, source, name)
        if created is not None:
            self.created.append(created)
        return path

    def _one(self, media: FetchedMedia, kind: str) -> LocalMedia:
        try:
            path = self._store(kind, media.path, f"{media.sha256[:32]}{media.suffix}")
        except FileNotFoundError:
            raise ApiError(
                "MEDIA_DOWNLOAD_FAILED",
                f"{media.url}: dropped from a full media cache while in use; retry, or raise "
                "CAPCUT_MATE_CACHE_MAX_BYTES",
            ) from None
        name = Path(media.url.split("?")[0]).name or Path(path).name
        return LocalMedia(path=path, name=name, info=media.info)

    def undo(self) -> None:
        for key in reversed(self.created):
            try:
                self.drafts.storage.delete(key)
            except Exception:  # the call's own error is the one to answer; this one is logged
                log.exception("could not remove %s after a failed edit", key)
        for folder in reversed(self.folders):
            with contextlib.suppress(OSError):  # not empty: something else is in it
                folder.rmdir()
        self.created.clear()
        self.folders.clear()


@contextmanager
def placing(drafts: DraftStore, draft_id: str) -> Iterator[tuple[dict[str, Any], Placement]]:
    """`drafts.edit(draft_id)` with a Placement for the call's media: if the edit or its save fails, what
    the placement stored is removed again before the draft's lock is released."""
    placement = Placement(drafts, draft_id)
    with drafts.edit(draft_id, rollback=placement.undo) as doc:
        yield doc, placement
