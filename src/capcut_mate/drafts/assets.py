"""Bring remote media into a draft folder: fetch and probe (cached, before the draft is locked), then link
the files into `assets/<kind>/` under the lock, taking them back out if the call fails.

Fetching runs before the lock, so slow downloads never hold up other edits of the same draft. Linking is
instant and happens inside the edit, and `placing` undoes it when anything in the call raises (a bad item,
an editing error, a failed save): a failed call leaves the draft folder byte-identical.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from capcut_mate.drafts.editing import LocalMedia
from capcut_mate.errors import ApiError
from capcut_mate.media.fetch import FetchedMedia, MediaFetcher

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
    """The files and folders one call added to a draft, so that they can be taken back out."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.created: list[Path] = []

    def place(self, fetched: Sequence[FetchedMedia], kind: str) -> list[LocalMedia]:
        """Hard-link each cached file into `assets/<kind>/` (copy across file systems); same URL, same file."""
        target_dir = self.folder / "assets" / kind
        for directory in (self.folder / "assets", target_dir):
            if not directory.exists():
                directory.mkdir()
                self.created.append(directory)
        return [self._one(media, target_dir) for media in fetched]

    def _one(self, media: FetchedMedia, target_dir: Path) -> LocalMedia:
        target = target_dir / f"{media.path.stem[:32]}{media.suffix}"
        if target.exists() and not _same_content(target, media.path):
            # the URL's content changed at its source since an earlier call: earlier segments keep theirs
            target = target_dir / f"{media.path.stem[:32]}-{uuid.uuid4().hex[:8]}{media.suffix}"
        if not target.exists():
            tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            try:
                try:
                    os.link(media.path, tmp)
                except FileNotFoundError:
                    raise ApiError(
                        "MEDIA_DOWNLOAD_FAILED",
                        f"{media.url}: dropped from a full media cache while in use; retry, or raise "
                        "CAPCUT_MATE_CACHE_MAX_BYTES",
                    ) from None
                except OSError:
                    shutil.copyfile(media.path, tmp)
                os.replace(tmp, target)
                self.created.append(target)
            finally:
                tmp.unlink(missing_ok=True)
        name = Path(media.url.split("?")[0]).name or target.name
        return LocalMedia(path=str(target.resolve()), name=name, info=media.info)

    def undo(self) -> None:
        for path in reversed(self.created):
            if path.is_dir():
                with contextlib.suppress(OSError):  # another call placed files in it meanwhile
                    path.rmdir()
            else:
                path.unlink(missing_ok=True)
        self.created.clear()


def _same_content(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b) or filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


@contextmanager
def placing(folder: Path) -> Iterator[Placement]:
    """A Placement for one call; everything it placed is removed again if the block raises."""
    placement = Placement(folder)
    try:
        yield placement
    except BaseException:
        placement.undo()
        raise
