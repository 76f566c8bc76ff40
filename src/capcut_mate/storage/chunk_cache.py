"""The chunk cache (render/chunking/cache.py's `ChunkCache`) kept in storage: the data dir or the bucket, so
every worker of a cluster reuses what another rendered.

An entry is three objects under `chunk-cache/<k[:2]>/<key>`: `.mp4` (the encoded unit), `.json` (its size
and the renderer's metadata, written after the file: the entry's commit point) and `.used` (an empty object
rewritten on every hit, so its write time is the entry's last use). The store's own listing (sizes, write
times) is the LRU index: no index object to keep consistent between workers.

Concurrency, without locks:
- puts are atomic (LocalStorage writes a temporary name and renames, S3 replaces an object in one PUT), so a
  reader sees no entry or a whole one; two renders putting one key write equivalent files (same key = same
  frames), and a reader checks the file's size against the `.json`, so a mixed pair is only a miss.
- eviction keeps the total under `max_bytes` by deleting the least recently used entries, `.json` first
  (a reader that has not read it yet sees a miss), and never an entry used within `GRACE_S`: a hit touches
  `.used` before it copies the file, so an entry being read is always recent. Times are compared with the
  newest write time in the same listing, not this machine's clock, so clock skew between workers and the
  bucket does not matter. A local hit is a hard link, which eviction cannot take away either.
- while renders are reading or writing entries faster than GRACE_S lets them age, the total may exceed
  `max_bytes` by what they hold; it shrinks back after.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections import defaultdict
from pathlib import Path

from capcut_mate.storage import ObjectStat, Storage, StorageNotFound

log = logging.getLogger(__name__)

PREFIX = "chunk-cache/"
# An entry used this recently is never evicted: longer than any copy of one entry takes.
GRACE_S = 600.0
# Eviction lists the cache at most this often, unless puts since the last listing may exceed the cap.
CHECK_EVERY_S = 60.0
PARTS = (".json", ".mp4", ".used")  # deletion order: the commit point first


class StorageChunkCache:
    def __init__(self, storage: Storage, max_bytes: int, prefix: str = PREFIX, grace_s: float = GRACE_S) -> None:
        self.storage = storage
        self.max_bytes = max_bytes
        self.prefix = prefix
        self.grace_s = grace_s
        self._lock = threading.Lock()
        self._known_total = 0  # bytes at the last listing plus what this process put since
        self._checked_at = float("-inf")

    def _name(self, key: str, part: str) -> str:
        return f"{self.prefix}{key[:2]}/{key}{part}"

    def get(self, key: str, dest: Path) -> str | None:
        try:
            envelope = json.loads(self.storage.get_bytes(self._name(key, ".json")))
            self.storage.put_bytes(self._name(key, ".used"), b"")
            self._copy(self._name(key, ".mp4"), dest)
        except StorageNotFound:
            return None
        except Exception:  # an unreachable bucket, a damaged entry: render the unit instead
            log.warning("chunk cache: cannot read %s", key, exc_info=True)
            return None
        if dest.stat().st_size != envelope.get("size"):
            return None  # replaced or deleted under us: not this entry's file
        return str(envelope.get("meta", ""))

    def _copy(self, name: str, dest: Path) -> None:
        """The object at `dest`: a hard link on local disk (eviction then only drops the cache's name)."""
        dest.unlink(missing_ok=True)
        local = self.storage.local_path(name)
        if local is not None:
            try:
                os.link(local, dest)
                return
            except FileNotFoundError:
                raise StorageNotFound(name) from None
            except OSError:
                pass  # another filesystem: copy below
        with self.storage.open(name) as source, open(dest, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)

    def put(self, key: str, path: Path, meta: str) -> None:
        size = path.stat().st_size
        try:
            self.storage.put_file(self._name(key, ".mp4"), path)
            self.storage.put_bytes(self._name(key, ".json"), json.dumps({"size": size, "meta": meta}).encode())
            self.storage.put_bytes(self._name(key, ".used"), b"")
        except Exception:  # a full disk or an unreachable bucket must not fail a render that has its file
            log.warning("chunk cache: cannot store %s", key, exc_info=True)
            return
        with self._lock:
            self._known_total += size
            due = self._known_total > self.max_bytes or time.monotonic() - self._checked_at > CHECK_EVERY_S
        if due:
            self.evict()

    def evict(self) -> None:
        """Delete least recently used entries (not used within the grace period) until the cache fits."""
        try:
            stats = [s for s in self.storage.stats(self.prefix) if not Path(s.key).name.startswith(".")]
            entries = _entries(stats)
            total = sum(size for size, _ in entries.values())
            with self._lock:
                self._known_total, self._checked_at = total, time.monotonic()
            if total <= self.max_bytes:
                return
            now = max(used for _, used in entries.values())
            for entry, (size, used) in sorted(entries.items(), key=lambda item: item[1][1]):
                if total <= self.max_bytes or used > now - self.grace_s:
                    break
                for part in PARTS:
                    self.storage.delete(entry + part)
                total -= size
            with self._lock:
                self._known_total = total
        except Exception:
            log.warning("chunk cache: eviction failed", exc_info=True)


def _entries(stats: list[ObjectStat]) -> dict[str, tuple[int, float]]:
    """Entry name (key without its part suffix) -> (bytes of all its parts, last write of any part)."""
    sizes: dict[str, int] = defaultdict(int)
    used: dict[str, float] = defaultdict(float)
    for stat in stats:
        entry, suffix = os.path.splitext(stat.key)
        if suffix not in PARTS:
            continue
        sizes[entry] += stat.size
        used[entry] = max(used[entry], stat.modified)
    return {entry: (sizes[entry], used[entry]) for entry in sizes}


def chunk_cache(storage: Storage, max_bytes: int) -> StorageChunkCache | None:
    """The cache the composition root hands to renders; None (no caching) when `max_bytes` is 0."""
    return StorageChunkCache(storage, max_bytes) if max_bytes > 0 else None
