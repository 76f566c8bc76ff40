"""Download a file that is not media (a subtitle file for add_captions' `srt`, a font for add_font, a draft zip
for import_draft) under the same URL policy as media.

Media go through MediaFetcher, which caches and probes them; these files are no media (the probe would refuse
them) and are read once, so they are fetched here: the guarded client (allowed hosts on every hop), the
operator's time budget, and a size cap given by the caller.
"""

from __future__ import annotations

import io
import time
from typing import BinaryIO

import httpx

from capcut_mate.errors import ApiError, clip
from capcut_mate.media.fetch import FetchPolicy
from capcut_mate.media.urlpolicy import UnresolvableHost, UrlForbidden, guarded_client, split_url

MAX_TEXT_BYTES = 10 * 1024 * 1024  # a feature film's subtitles are well under 1 MB


def fetch_text(url: str, policy: FetchPolicy) -> bytes:
    """The body of `url` (HTTP 200 only), at most MAX_TEXT_BYTES, within the policy's time budget."""
    return fetch_bytes(url, policy, MAX_TEXT_BYTES, "a subtitle file")


def fetch_bytes(url: str, policy: FetchPolicy, max_bytes: int, what: str) -> bytes:
    """The body of `url` (HTTP 200 only), at most `max_bytes` (and the policy's cap), within its time budget."""
    limit = min(max_bytes, policy.max_bytes)
    body = io.BytesIO()
    download_to(
        url, policy, body, limit, ApiError("MEDIA_TOO_LARGE", f"{clip(url)}: more than {limit} bytes for {what}")
    )
    return body.getvalue()


def download_to(url: str, policy: FetchPolicy, sink: BinaryIO, limit: int, too_large: ApiError) -> None:
    """Write the body of `url` (HTTP 200 only) into `sink`; `too_large` is raised past `limit` bytes."""
    try:
        split_url(url)
    except UrlForbidden as exc:
        raise ApiError("MEDIA_URL_FORBIDDEN", f"{clip(url)}: {exc}") from None
    deadline = time.monotonic() + policy.timeout_s
    try:
        with (
            guarded_client(policy.allow_private, follow_redirects=True, timeout=min(30.0, policy.timeout_s)) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise ApiError("MEDIA_DOWNLOAD_FAILED", f"{clip(url)}: the server answered HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise too_large
            received = 0
            for chunk in response.iter_bytes(64 * 1024):
                received += len(chunk)
                if received > limit:
                    raise too_large
                if time.monotonic() > deadline:
                    raise ApiError("MEDIA_DOWNLOAD_FAILED", f"{clip(url)}: slower than {policy.timeout_s:.0f} s")
                sink.write(chunk)
    except UnresolvableHost as exc:
        raise ApiError("MEDIA_DOWNLOAD_FAILED", f"{clip(url)}: {exc}") from None
    except UrlForbidden as exc:
        raise ApiError("MEDIA_URL_FORBIDDEN", f"{clip(url)}: {exc}") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise ApiError("MEDIA_DOWNLOAD_FAILED", f"{clip(url)}: {type(exc).__name__}") from None
