"""One lock per key (a draft, a URL) that exists only while someone holds or waits for it.

A plain `dict.setdefault(key, Lock())` keeps one lock for every key ever seen, which grows without
bound in a long-lived server; here an entry is dropped when its last user leaves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class KeyedLocks:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._entries: dict[str, tuple[threading.Lock, list[int]]] = {}  # key -> (lock, [users])

    def __len__(self) -> int:
        with self._guard:
            return len(self._entries)

    @contextmanager
    def hold(self, key: str, timeout: float = -1) -> Iterator[bool]:
        """Yield True with the key's lock held, or False when `timeout` (seconds) ran out first."""
        with self._guard:
            lock, users = self._entries.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            acquired = lock.acquire(timeout=timeout)
            try:
                yield acquired
            finally:
                if acquired:
                    lock.release()
        finally:
            with self._guard:
                users[0] -= 1
                if users[0] == 0:
                    del self._entries[key]
