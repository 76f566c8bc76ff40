"""Bring remote media into a draft: fetch (cached), probe, then store in the draft's `assets/<kind>/`.

Runs before the draft is locked, so slow downloads never hold up other edits of the same draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from capcut_mate.drafts.editing import LocalMedia
from capcut_mate.drafts.store import DraftStore
from capcut_mate.media.fetch import MediaFetcher
from capcut_mate.media.probe import probe

PARALLEL_DOWNLOADS = 4


def import_media(
    fetcher: MediaFetcher, urls: Sequence[str], drafts: DraftStore, draft_id: str, kind: str
) -> list[LocalMedia]:
    """Fetch, probe and store every URL (a few at a time), in order; the first failure is raised as is."""

    def one(url: str) -> LocalMedia:
        fetched = fetcher.fetch(url)
        info = probe(fetched.path, source=url)
        path = drafts.add_asset(draft_id, kind, fetched.path, f"{fetched.path.stem[:32]}{fetched.suffix}")
        return LocalMedia(path=path, name=Path(url.split("?")[0]).name or Path(path).name, info=info)

    unique = list(dict.fromkeys(urls))  # a URL repeated in one call is fetched and placed once
    if not unique:
        return []
    with ThreadPoolExecutor(max_workers=min(PARALLEL_DOWNLOADS, len(unique))) as pool:
        by_url = dict(zip(unique, pool.map(one, unique), strict=True))
    return [by_url[url] for url in urls]
