"""The storage interface, run the same way against local folders and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcut_mate.config import Settings
from capcut_mate.storage import Storage, StorageNotFound, iter_keys
from capcut_mate.storage.cache import ObjectCache
from capcut_mate.storage.local import LocalStorage
from tests.servers import api_server

D = "20250101000000aaaaaaaaaaaaaaaa"  # a valid draft id: the local mode serves these over /files/


API = "http://api.invalid"  # the service's base URL, which a bucket's URLs do not depend on


@pytest.fixture(params=["local", "s3"])
def served_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Storage, str]]:
    """(storage, the base URL of an API serving it)"""
    if request.param == "local":
        root = tmp_path / "data"
        with api_server(Settings(data_dir=root)) as base:  # its /files/ route serves local storage
            yield LocalStorage(root), base
        return
    pytest.importorskip("boto3", reason="cluster extra not installed")
    env = request.getfixturevalue("s3_env")
    from capcut_mate.storage.s3 import S3Storage

    yield (
        S3Storage.from_url(
            env["CAPCUT_MATE_STORAGE_URL"],
            ObjectCache(tmp_path / "cache", 10 * 1024 * 1024),
            endpoint_url=env["CAPCUT_MATE_S3_ENDPOINT_URL"],
            region="us-east-1",
        ),
        API,
    )


def test_objects_round_trip_list_url_and_delete(served_storage: tuple[Storage, str], tmp_path: Path) -> None:
    storage, base = served_storage
    storage.put_bytes(f"drafts/{D}/draft_content.json", b'{"a": 1}')
    storage.put_bytes(f"drafts/{D}/.hidden", b"x")
    video = tmp_path / "v.mp4"
    video.write_bytes(os.urandom(300_000))
    storage.put_file(f"drafts/{D}/assets/videos/v.mp4", video)
    assert video.exists()  # not consumed without move=True
    moved = tmp_path / "out.mp4"
    moved.write_bytes(b"mp4 bytes")
    storage.put_file(f"outputs/{D}/t.mp4", moved, move=True)
    assert not moved.exists()

    assert storage.get_bytes(f"drafts/{D}/draft_content.json") == b'{"a": 1}'
    storage.put_bytes(f"drafts/{D}/draft_content.json", b'{"a": 2}')
    assert storage.get_bytes(f"drafts/{D}/draft_content.json") == b'{"a": 2}'
    assert storage.exists(f"outputs/{D}/t.mp4") and not storage.exists(f"outputs/{D}/none.mp4")
    assert [rel for _, rel in iter_keys(storage, f"drafts/{D}/")] == ["assets/videos/v.mp4", "draft_content.json"]
    assert storage.list("drafts/none/") == []
    with storage.open(f"drafts/{D}/assets/videos/v.mp4") as stream:
        assert stream.read() == video.read_bytes()
    with pytest.raises(StorageNotFound):
        storage.get_bytes(f"drafts/{D}/missing.json")

    download = httpx.get(storage.url(f"outputs/{D}/t.mp4", base))
    assert download.status_code == 200 and download.content == b"mp4 bytes"
    part = httpx.get(storage.url(f"drafts/{D}/assets/videos/v.mp4", base), headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == video.read_bytes()[10:20]

    folder = storage.checkout(f"drafts/{D}/", tmp_path / "scratch")
    assert (folder / "assets/videos/v.mp4").read_bytes() == video.read_bytes()
    assert (folder / "draft_content.json").read_bytes() == b'{"a": 2}'

    storage.delete(f"outputs/{D}/t.mp4")
    storage.delete(f"outputs/{D}/t.mp4")  # already gone: no error
    assert not storage.exists(f"outputs/{D}/t.mp4")


def test_bucket_urls_are_signed_or_public(s3_env: dict[str, str], tmp_path: Path) -> None:
    from capcut_mate.storage.s3 import S3Storage

    def make(**kwargs: object) -> S3Storage:
        return S3Storage.from_url(
            s3_env["CAPCUT_MATE_STORAGE_URL"],
            ObjectCache(tmp_path / "cache", 1024),
            endpoint_url=s3_env["CAPCUT_MATE_S3_ENDPOINT_URL"],
            region="us-east-1",
            **kwargs,  # type: ignore[arg-type]
        )

    signed = make(url_expires_s=120)
    signed.put_bytes("outputs/x/y.mp4", b"video")
    url = signed.url("outputs/x/y.mp4", API)
    assert "X-Amz-Expires=120" in url and httpx.get(url).content == b"video"
    unsigned = url.split("?")[0]
    assert httpx.get(unsigned).status_code == 403  # the bucket is private: only the signature opens it
    # The service reaches the bucket at 127.0.0.1; users at "localhost": URLs are signed for the latter.
    outside = s3_env["CAPCUT_MATE_S3_ENDPOINT_URL"].replace("127.0.0.1", "localhost")
    seen_outside = make(public_endpoint_url=outside).url("outputs/x/y.mp4", API)
    assert seen_outside.startswith(outside) and httpx.get(seen_outside).content == b"video"
    public = make(public_url="https://cdn.example.com/")
    _bucket, prefix = s3_env["CAPCUT_MATE_STORAGE_URL"][5:].split("/", 1)
    assert public.url("outputs/x/y.mp4", API) == f"https://cdn.example.com/{prefix}/outputs/x/y.mp4"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(1, 400), min_size=1, max_size=12), cap=st.integers(400, 1500))
def test_object_cache_stays_under_its_cap_and_keeps_the_newest(tmp_path: Path, sizes: list[int], cap: int) -> None:
    root = tmp_path / f"cache-{os.urandom(4).hex()}"
    cache = ObjectCache(root, cap)
    paths = []
    for n, size in enumerate(sizes):
        path = cache.get(f"k{n}", "etag", lambda tmp, size=size: tmp.write_bytes(b"x" * size))
        paths.append(path)
        assert sum(p.stat().st_size for p in root.iterdir()) <= cap
    assert paths[-1].is_file() and paths[-1].stat().st_size == sizes[-1]  # the entry just used survives
    assert cache.path_for("k0", "etag") != cache.path_for("k0", "etag2")  # a changed object is a new entry
