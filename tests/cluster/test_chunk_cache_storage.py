"""The chunk cache over both storages (local folders and a real S3 server, SeaweedFS): entries round-trip, the
listing is the LRU index, and a worker that never rendered a chunk reuses the one another put in the bucket."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from capcut_mate.storage import Storage
from capcut_mate.storage.cache import ObjectCache
from capcut_mate.storage.chunk_cache import StorageChunkCache
from capcut_mate.storage.local import LocalStorage


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "local":
        yield LocalStorage(tmp_path / "data")
        return
    pytest.importorskip("boto3", reason="cluster extra not installed")
    env = request.getfixturevalue("s3_env")
    from capcut_mate.storage.s3 import S3Storage

    yield S3Storage.from_url(
        env["CAPCUT_MATE_STORAGE_URL"],
        ObjectCache(tmp_path / "objects", 10 * 1024 * 1024),
        endpoint_url=env["CAPCUT_MATE_S3_ENDPOINT_URL"],
        region="us-east-1",
    )


def test_stats_list_sizes_and_write_times(storage: Storage, tmp_path: Path) -> None:
    before = time.time()
    storage.put_bytes("chunk-cache/aa/x.json", b"12345")
    storage.put_bytes("cache/other/y", b"1")
    stats = storage.stats("chunk-cache/")
    assert [(s.key, s.size) for s in stats] == [("chunk-cache/aa/x.json", 5)]
    assert abs(stats[0].modified - before) < 60  # the store's clock, near ours


def test_a_second_worker_reuses_what_the_first_put(storage: Storage, tmp_path: Path) -> None:
    chunk = tmp_path / "chunk.mp4"
    chunk.write_bytes(os.urandom(300_000))
    StorageChunkCache(storage, 10**9).put("ab" * 32, chunk, '[{"w": 1}]')
    other = StorageChunkCache(storage, 10**9)  # another worker's process: nothing of the first in memory
    assert other.get("ab" * 32, tmp_path / "got.mp4") == '[{"w": 1}]'
    assert (tmp_path / "got.mp4").read_bytes() == chunk.read_bytes()
    assert other.get("cd" * 32, tmp_path / "miss.mp4") is None
    storage.delete(f"chunk-cache/ab/{'ab' * 32}.mp4")  # evicted by someone between the listing and the read
    assert other.get("ab" * 32, tmp_path / "gone.mp4") is None


def test_eviction_by_last_use_in_the_stores_own_times(storage: Storage, tmp_path: Path) -> None:
    """No grace period: the least recently used entry goes first, judged by the listing's write times (S3
    keeps them to the second, hence the pauses)."""
    cache = StorageChunkCache(storage, 25_000, grace_s=0)
    keys = ["11" * 32, "22" * 32, "33" * 32]
    for n, key in enumerate(keys[:2]):
        source = tmp_path / f"c{n}"
        source.write_bytes(os.urandom(10_000))
        cache.put(key, source, "")
        time.sleep(1.1)
    assert cache.get(keys[0], tmp_path / "hit.mp4") == ""  # 0 is now the most recently used
    time.sleep(1.1)
    source = tmp_path / "c2"
    source.write_bytes(os.urandom(10_000))
    cache.put(keys[2], source, "")  # 30 kB > 25 kB: 1, the least recently used, goes
    names = {stat.key.rsplit("/", 1)[-1].split(".")[0] for stat in storage.stats("chunk-cache/")}
    assert names == {keys[0], keys[2]}
