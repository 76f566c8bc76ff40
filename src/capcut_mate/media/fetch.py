"""Download media URLs into a cache keyed by URL, under the operator's policy.

Policy: http/https only; hosts that resolve to loopback, private, link-local or reserved addresses are
refused unless `allow_private_urls` is on (checked again on every redirect hop); a size cap enforced from
Content-Length and while streaming; a total time budget; retries with back-off for transient failures
(connection errors, 408/429/5xx). A download lands under a temp name and is renamed when complete.
"""

from __future__ import annotations

import hashlib
import ipaddress
import mimetypes
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from capcut_mate.errors import ApiError

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
_CHUNK = 1 << 16


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    timeout_s: float
    retries: int
    allow_private: bool


@dataclass(frozen=True)
class FetchedMedia:
    url: str
    path: Path
    suffix: str  # ".mp4", ".png", ... from the URL path or the Content-Type


class _Transient(Exception):
    """A failure worth retrying."""


def check_url(url: str, allow_private: bool) -> None:
    """Refuse non-http(s) URLs and, unless allowed, hosts on loopback/private/link-local networks."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError("MEDIA_URL_FORBIDDEN", f"{url}: only http:// and https:// URLs with a host are accepted")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ApiError("MEDIA_DOWNLOAD_FAILED", f"{url}: cannot resolve host {parts.hostname} ({exc})") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ApiError(
                "MEDIA_URL_FORBIDDEN",
                f"{url}: host {parts.hostname} resolves to non-public address {address}; "
                "set CAPCUT_MATE_ALLOW_PRIVATE_URLS=1 to allow it",
            )


def _suffix_for(url: str, content_type: str | None) -> str:
    suffix = Path(urlsplit(url).path).suffix.lower()
    if suffix and len(suffix) <= 6 and suffix[1:].isalnum():
        return suffix
    guessed = mimetypes.guess_extension((content_type or "").split(";")[0].strip()) if content_type else None
    return guessed or ".bin"


class MediaFetcher:
    """Fetches media URLs into `cache_dir`; the same URL is downloaded once."""

    def __init__(self, cache_dir: Path, policy: FetchPolicy) -> None:
        self.cache_dir = cache_dir
        self.policy = policy
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._url_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def fetch(self, url: str) -> FetchedMedia:
        """The cached file for `url`, downloading it first; concurrent calls for one URL download it once."""
        check_url(url, self.policy.allow_private)
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        with self._guard:
            url_lock = self._url_locks.setdefault(key, threading.Lock())
        with url_lock:
            for cached in self.cache_dir.glob(f"{key}.*"):
                if not cached.name.endswith(".part"):
                    return FetchedMedia(url, cached, cached.suffix)
            return self._fetch_with_retries(url, key)

    def _fetch_with_retries(self, url: str, key: str) -> FetchedMedia:
        deadline = time.monotonic() + self.policy.timeout_s
        last_error = ""
        for attempt in range(self.policy.retries + 1):
            if attempt:
                time.sleep(min(0.5 * 2 ** (attempt - 1), max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                break
            try:
                return self._download(url, key, deadline)
            except _Transient as exc:
                last_error = str(exc)
        raise ApiError(
            "MEDIA_DOWNLOAD_FAILED",
            f"{url}: gave up after {self.policy.retries + 1} attempts or {self.policy.timeout_s:.0f} s"
            + (f" ({last_error})" if last_error else ""),
        )

    def _download(self, url: str, key: str, deadline: float) -> FetchedMedia:
        def guard_redirect(request: httpx.Request) -> None:
            check_url(str(request.url), self.policy.allow_private)

        remaining = max(0.1, deadline - time.monotonic())
        part = self.cache_dir / f"{key}.{uuid.uuid4().hex}.part"  # unique: other processes share the cache
        try:
            with (
                httpx.Client(
                    follow_redirects=True,
                    timeout=httpx.Timeout(min(30.0, remaining)),
                    event_hooks={"request": [guard_redirect]},
                ) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code in RETRYABLE_STATUS:
                    raise _Transient(f"HTTP {response.status_code}")
                if response.status_code != 200:
                    raise ApiError("MEDIA_DOWNLOAD_FAILED", f"{url}: the server answered HTTP {response.status_code}")
                declared = int(response.headers.get("content-length") or 0)
                if declared > self.policy.max_bytes:
                    raise self._too_large(url, declared)
                size = 0
                with open(part, "wb") as handle:
                    for chunk in response.iter_bytes(_CHUNK):
                        size += len(chunk)
                        if size > self.policy.max_bytes:
                            raise self._too_large(url, size)
                        if time.monotonic() > deadline:
                            raise _Transient(f"download slower than the {self.policy.timeout_s:.0f} s budget")
                        handle.write(chunk)
                if size == 0:
                    raise ApiError("UNSUPPORTED_MEDIA", f"{url}: the server sent an empty file")
                suffix = _suffix_for(url, response.headers.get("content-type"))
            final = self.cache_dir / f"{key}{suffix}"
            os.replace(part, final)
            return FetchedMedia(url, final, suffix)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        finally:
            part.unlink(missing_ok=True)

    def _too_large(self, url: str, size: int) -> ApiError:
        return ApiError(
            "MEDIA_TOO_LARGE",
            f"{url}: {size} bytes or more, the limit is {self.policy.max_bytes} bytes (CAPCUT_MATE_MAX_DOWNLOAD_BYTES)",
        )
