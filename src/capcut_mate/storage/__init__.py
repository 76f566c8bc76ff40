"""Where media, draft folders and rendered videos live: one small interface, two implementations.

Keys are POSIX paths (`drafts/<id>/draft_content.json`, `drafts/<id>/assets/videos/x.mp4`,
`outputs/<draft_id>/<task_id>.mp4`). `LocalStorage` maps them onto the data directory (the embedded
default, the layout of earlier versions); `S3Storage` onto an S3-compatible bucket. The composition root
(services.py) picks one from `CAPCUT_MATE_STORAGE_URL`; nothing else knows which is in use.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol


class StorageNotFound(KeyError):
    """No object under that key."""


@dataclass(frozen=True)
class ObjectStat:
    """One stored object as a listing sees it: `modified` is seconds since the epoch by the store's clock."""

    key: str
    size: int
    modified: float


class Storage(Protocol):
    def put_bytes(self, key: str, data: bytes) -> None:
        """Store `data` under `key` at once: readers see the old content or the new, never half."""

    def put_file(self, key: str, path: Path, *, move: bool = False) -> None:
        """Store a local file under `key`; `move` allows consuming it (a rename on local disk)."""

    def get_bytes(self, key: str) -> bytes:
        """The object's content; StorageNotFound when there is none."""

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A readable binary stream of the object; StorageNotFound when there is none."""

    def exists(self, key: str) -> bool: ...

    def stats(self, prefix: str) -> list[ObjectStat]:
        """Every object under `prefix` with its size and last write time (one listing: no reads)."""

    def list(self, prefix: str) -> list[str]:
        """Every key under `prefix` (a folder: ends with '/'), sorted."""

    def delete(self, key: str) -> None:
        """Remove the object (no error when it is already gone)."""

    def url(self, key: str, api_base: str, *, head: bool = False, filename: str | None = None) -> str:
        """A URL anyone holding it can download the object from; `api_base` is the service's public base
        URL (the client's), whose `/files/` route serves storage that has no URLs of its own. `head`: a URL
        for HEAD requests (a presigned URL is signed for one method); `filename`: served as an attachment
        of that name, where the storage can say so per URL (the `/files/` route says so itself)."""

    def local_path(self, key: str) -> Path | None:
        """The file holding the object when it is on this machine's disk, else None (fetch or redirect)."""

    def checkout(self, prefix: str, scratch: Path) -> Path:
        """A local folder with every object under `prefix`, for a render: the folder itself on local disk,
        else files fetched (through a bounded cache) into `scratch`."""


def fetch_file(storage: Storage, key: str, target: Path) -> Path:
    """A local file with the object's content: the stored file itself on local disk, else a download to
    `target` (objects that are read once, so not through the object cache)."""
    local = storage.local_path(key)
    if local is not None and local.is_file():
        return local
    with storage.open(key) as source, open(target, "wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)
    return target


def iter_keys(storage: Storage, prefix: str) -> Iterator[tuple[str, str]]:
    """(key, path relative to the prefix) for every visible object under the prefix (no dot-files)."""
    for key in storage.list(prefix):
        relative = key[len(prefix) :]
        if not any(part.startswith(".") for part in relative.split("/")):
            yield key, relative
