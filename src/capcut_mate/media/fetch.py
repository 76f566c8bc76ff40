"""Download media URLs into a cache keyed by URL, under the operator's policy.

Policy: http/https only; hosts on loopback, private, link-local or reserved addresses are refused unless
`allow_private_urls` is on, checked on the address actually connected to (`urlpolicy`); a size cap
enforced from Content-Length and while streaming; a total time budget; retries with back-off for
transient failures (connection errors, 408/429/5xx).

Animated WebP and APNG stickers are converted on arrival (`animated`): the cache holds, and drafts get,
the alpha clip that is drawn.

The cache heals itself: a download lands under a temp name and enters the cache only once `probe`
accepted it (a URL fixed at its source is fetched again, never refused from a stale failure); an entry
older than the TTL is revalidated with its source (ETag / Last-Modified, else fetched again); and the
cache is held under a size cap by evicting the least recently used entries. Each entry is the file plus
a small JSON sidecar (`<key>.json`) with the URL, the validators, the check time and the probe result.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypedDict

import httpx

from capcut_mate.errors import ApiError, clip
from capcut_mate.locks import KeyedLocks
from capcut_mate.media import animated
from capcut_mate.media.probe import MediaInfo, probe
from capcut_mate.media.urlpolicy import UnresolvableHost, UrlForbidden, guarded_client, split_url

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
_CHUNK = 1 << 16
ORPHAN_AGE_S = 300.0  # a cached file without a sidecar this old (and past any download's budget) is debris


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    timeout_s: float
    retries: int
    allow_private: bool
    max_pixels: int = 64 * 1024 * 1024
    cache_max_bytes: int = 5 * 1024 * 1024 * 1024
    cache_ttl_s: float = 3600.0


@dataclass(frozen=True)
class FetchedMedia:
    url: str
    path: Path
    suffix: str  # from the content: ".mp4", ".png", ...
    info: MediaInfo
    sha256: str  # of the content: drafts name their copy by it, so a changed source never overwrites one


class Sidecar(TypedDict):
    """The JSON beside a cached file: its source, the validators to revalidate it with, what probe found."""

    url: str
    file: str  # the cached file's name in the cache folder
    etag: str | None
    last_modified: str | None
    checked_at: float  # time.time() of the last download or revalidation
    info: dict[str, Any]  # MediaInfo's fields
    sha256: str


class _Transient(Exception):
    """A failure worth retrying."""


class MediaFetcher:
    """Fetches media URLs into `cache_dir`; the same URL is downloaded once while its entry stays fresh."""

    def __init__(self, cache_dir: Path, policy: FetchPolicy) -> None:
        self.cache_dir = cache_dir
        self.policy = policy
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._url_locks = KeyedLocks()

    def fetch(self, url: str) -> FetchedMedia:
        """The validated file for `url`; concurrent calls for one URL download it once."""
        try:
            split_url(url)
        except UrlForbidden as exc:
            raise ApiError("MEDIA_URL_FORBIDDEN", f"{clip(url)}: {exc}") from None
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        with self._url_locks.hold(key):
            meta = self._read_meta(key)
            if meta is not None and time.time() - meta["checked_at"] < self.policy.cache_ttl_s:
                return self._use(key, meta)
            fetched = self._fetch_with_retries(url, key, meta)
        self._evict(keep=key)
        return fetched

    # -- the cache ------------------------------------------------------------------------------------

    def _meta_path(self, key: str) -> Path:
        return self.cache_dir / f"{key}.json"

    def _read_meta(self, key: str) -> Sidecar | None:
        """The entry's sidecar, or None when there is no complete entry (then it is simply fetched)."""
        try:
            meta: Sidecar = json.loads(self._meta_path(key).read_text("utf-8"))
            if meta["sha256"] and (self.cache_dir / meta["file"]).is_file():  # no digest: an older version's
                return meta
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def _use(self, key: str, meta: Sidecar) -> FetchedMedia:
        path = self.cache_dir / meta["file"]
        with contextlib.suppress(OSError):
            os.utime(self._meta_path(key))  # the sidecar's mtime is the entry's last use, for LRU eviction
        return FetchedMedia(meta["url"], path, path.suffix, MediaInfo(**meta["info"]), meta["sha256"])

    def _commit(
        self, url: str, key: str, part: Path, info: MediaInfo, sha256: str, response: httpx.Response
    ) -> FetchedMedia:
        previous = self._read_meta(key)
        final = self.cache_dir / f"{key}{info.suffix}"
        os.replace(part, final)
        meta: Sidecar = {
            "url": url,
            "file": final.name,
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
            "checked_at": time.time(),
            "info": asdict(info),
            "sha256": sha256,
        }
        self._write_meta(key, meta)
        if previous is not None and previous["file"] != final.name:
            (self.cache_dir / previous["file"]).unlink(missing_ok=True)
        return FetchedMedia(url, final, final.suffix, info, sha256)

    def _write_meta(self, key: str, meta: Sidecar) -> None:
        tmp = self.cache_dir / f"{key}.{uuid.uuid4().hex}.meta.part"
        try:
            tmp.write_text(json.dumps(meta), "utf-8")
            os.replace(tmp, self._meta_path(key))
        finally:
            tmp.unlink(missing_ok=True)

    def _evict(self, keep: str) -> None:
        """Drop least recently used entries until the cache fits its cap (drafts keep their hard links)."""
        entries: list[tuple[float, int, Path, Path]] = []
        listed: set[str] = set()
        total = 0
        now = time.time()
        orphan_age = max(ORPHAN_AGE_S, 2 * self.policy.timeout_s)  # never a download still in progress
        for path in self.cache_dir.iterdir():
            if path.suffix != ".json":
                continue
            try:
                meta: Sidecar = json.loads(path.read_text("utf-8"))
                data = self.cache_dir / meta["file"]
                size = data.stat().st_size
                used = path.stat().st_mtime
            except (OSError, ValueError, KeyError, TypeError):
                continue
            listed.add(data.name)
            total += size
            if path.stem != keep:
                entries.append((used, size, path, data))
        for path in self.cache_dir.iterdir():  # files no sidecar speaks for: crashes, older versions
            with contextlib.suppress(OSError):
                if path.suffix != ".json" and path.name not in listed and now - path.stat().st_mtime > orphan_age:
                    path.unlink()
        for _used, size, meta_path, data in sorted(entries, key=lambda entry: entry[0]):
            if total <= self.policy.cache_max_bytes:
                break
            meta_path.unlink(missing_ok=True)
            data.unlink(missing_ok=True)
            total -= size

    # -- downloading ----------------------------------------------------------------------------------

    def _fetch_with_retries(self, url: str, key: str, meta: Sidecar | None) -> FetchedMedia:
        deadline = time.monotonic() + self.policy.timeout_s
        last_error = ""
        for attempt in range(self.policy.retries + 1):
            if attempt:
                time.sleep(min(0.5 * 2 ** (attempt - 1), max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                break
            try:
                return self._download(url, key, meta, deadline)
            except _Transient as exc:
                last_error = str(exc)
        raise ApiError(
            "MEDIA_DOWNLOAD_FAILED",
            f"{clip(url)}: gave up after {self.policy.retries + 1} attempts or {self.policy.timeout_s:.0f} s"
            + (f" ({last_error})" if last_error else ""),
        )

    def _download(self, url: str, key: str, meta: Sidecar | None, deadline: float) -> FetchedMedia:
        remaining = max(0.1, deadline - time.monotonic())
        headers: dict[str, str] = {}
        if meta is not None and (etag := meta.get("etag")):
            headers["If-None-Match"] = etag
        if meta is not None and (modified := meta.get("last_modified")):
            headers["If-Modified-Since"] = modified
        part = self.cache_dir / f"{key}.{uuid.uuid4().hex}.part"  # unique: other processes share the cache
        try:
            with (
                guarded_client(
                    self.policy.allow_private, follow_redirects=True, timeout=httpx.Timeout(min(30.0, remaining))
                ) as client,
                client.stream("GET", url, headers=headers) as response,
            ):
                if response.status_code == 304 and meta is not None:
                    meta["checked_at"] = time.time()
                    self._write_meta(key, meta)
                    return self._use(key, meta)
                if response.status_code in RETRYABLE_STATUS:
                    raise _Transient(f"HTTP {response.status_code}")
                if response.status_code != 200:
                    raise ApiError(
                        "MEDIA_DOWNLOAD_FAILED", f"{clip(url)}: the server answered HTTP {response.status_code}"
                    )
                sha256 = self._save_body(url, response, part, deadline)
                if animated.is_animation(part):  # a sticker: kept as the alpha clip the app and ffmpeg play
                    animated.to_alpha_clip(part, label=clip(url), max_pixels=self.policy.max_pixels)
                    with open(part, "rb") as handle:
                        sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
                info = probe(part, source=clip(url), max_pixels=self.policy.max_pixels)
                return self._commit(url, key, part, info, sha256, response)
        except UnresolvableHost as exc:
            raise ApiError("MEDIA_DOWNLOAD_FAILED", f"{clip(url)}: {exc}") from None
        except UrlForbidden as exc:
            raise ApiError("MEDIA_URL_FORBIDDEN", f"{clip(url)}: {exc}") from None
        except httpx.TransportError as exc:
            raise _Transient(type(exc).__name__) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise ApiError("MEDIA_DOWNLOAD_FAILED", f"{clip(url)}: {type(exc).__name__}") from None
        finally:
            part.unlink(missing_ok=True)

    def _save_body(self, url: str, response: httpx.Response, part: Path, deadline: float) -> str:
        """Stream the body into `part`; returns its SHA-256 (computed on the way, no second read)."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.policy.max_bytes:
            raise self._too_large(url, int(declared))
        size = 0
        digest = hashlib.sha256()
        with open(part, "wb") as handle:
            for chunk in response.iter_bytes(_CHUNK):
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise self._too_large(url, size)
                if time.monotonic() > deadline:
                    raise _Transient(f"download slower than the {self.policy.timeout_s:.0f} s budget")
                handle.write(chunk)
                digest.update(chunk)
        if size == 0:
            raise ApiError("UNSUPPORTED_MEDIA", f"{clip(url)}: the server sent an empty file")
        return digest.hexdigest()

    def _too_large(self, url: str, size: int) -> ApiError:
        return ApiError(
            "MEDIA_TOO_LARGE",
            f"{clip(url)}: {size} bytes or more, the limit is {self.policy.max_bytes} bytes "
            "(CAPCUT_MATE_MAX_DOWNLOAD_BYTES)",
        )
