"""A bounded local cache of objects fetched from remote storage: size cap, least recently used out first.

Entries are keyed by (key, etag), so a changed object is a new entry and a stale copy is never served.
Files are written to a temporary name and renamed; a render hard-links what it needs into its scratch
folder, so evicting an entry never pulls a file from under a running render.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path


class ObjectCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True)

    def path_for(self, key: str, etag: str) -> Path:
        digest = hashlib.sha256(f"{key}\0{etag}".encode()).hexdigest()[:40]
        return self.root / f"{digest}{Path(key).suffix[:12]}"

    def get(self, key: str, etag: str, download: Callable[[Path], None]) -> Path:
        """The cached file for (key, etag), downloading it with `download(tmp_path)` on a miss."""
        path = self.path_for(key, etag)
        if path.is_file():
            os.utime(path)  # mtime is the recency the eviction goes by
            return path
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            download(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        self.evict(keep=path)
        return path

    def evict(self, keep: Path | None = None) -> None:
        """Delete the least recently used entries (never `keep`, the one being handed out) until the cache
        fits its cap."""
        with self._lock:
            entries = []
            for entry in os.scandir(self.root):
                if entry.is_file() and not entry.name.startswith(".") and entry.path != str(keep):
                    stat = entry.stat()
                    entries.append((stat.st_mtime, stat.st_size, entry.path))
            total = sum(size for _, size, _ in entries) + (keep.stat().st_size if keep else 0)
            for _, size, path in sorted(entries):
                if total <= self.max_bytes:
                    break
                Path(path).unlink(missing_ok=True)
                total -= size
