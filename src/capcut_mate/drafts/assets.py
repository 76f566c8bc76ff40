"""Bring remote media into a draft folder: fetch (cached), probe, then link into `assets/<kind>/`.

Runs before the draft is locked, so slow downloads never hold up other edits of the same draft.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from capcut_mate.drafts.editing import LocalMedia
from capcut_mate.media.fetch import FetchedMedia, MediaFetcher
from capcut_mate.media.probe import probe

PARALLEL_DOWNLOADS = 4


def _place(fetched: FetchedMedia, folder: Path) -> Path:
    """Hard-link the cached file into the draft (copy across file systems); same URL → same file."""
    target = folder / f"{fetched.path.stem[:32]}{fetched.suffix}"
    if not target.exists():
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            try:
                os.link(fetched.path, tmp)
            except OSError:
                shutil.copyfile(fetched.path, tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    return target


def import_media(fetcher: MediaFetcher, urls: Sequence[str], folder: Path) -> list[LocalMedia]:
    """Fetch and probe every URL (a few at a time), in order; the first failure is raised as is."""

    def one(url: str) -> LocalMedia:
        fetched = fetcher.fetch(url)
        info = probe(fetched.path, source=url)
        placed = _place(fetched, folder)
        return LocalMedia(path=str(placed.resolve()), name=Path(url.split("?")[0]).name or placed.name, info=info)

    unique = list(dict.fromkeys(urls))  # a URL repeated in one call is fetched and placed once
    with ThreadPoolExecutor(max_workers=min(PARALLEL_DOWNLOADS, max(1, len(unique)))) as pool:
        by_url = dict(zip(unique, pool.map(one, unique), strict=True))
    return [by_url[url] for url in urls]
