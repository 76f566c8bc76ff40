"""A video_url as players and download managers use it, over real HTTP: HEAD (size, ranges, type, no body)
and Range requests (seeking), on a real render."""

from __future__ import annotations

import json

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers
from tests.jobs.helpers import poll, post

pytestmark = pytest.mark.slow


def test_head_and_ranges_on_a_rendered_video_url(settings: Settings, media_url: str) -> None:
    settings = settings.model_copy(update={"render_workers": 1})
    with servers.api_server(settings) as base, httpx.Client(base_url=base, timeout=60) as client:
        url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
        post(client, "add_videos", {"draft_url": url, "video_infos": json.dumps(
            [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000}])})  # fmt: skip
        post(client, "gen_video", {"draft_url": url})
        done = poll(client, url)[-1]
        assert done["status"] == "completed", done
        video_url = done["video_url"]

        whole = httpx.get(video_url)
        assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
        assert "content-disposition" not in whole.headers  # inline: a browser tab or a player plays it
        assert whole.headers["x-content-type-options"] == "nosniff"
        size = len(whole.content)

        head = httpx.head(video_url)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(size) and head.headers["accept-ranges"] == "bytes"
        for name in ("content-type", "etag", "last-modified", "x-content-type-options", "content-security-policy"):
            assert head.headers[name] == whole.headers[name], name

        seek = httpx.get(video_url, headers={"Range": f"bytes={size // 2}-"})
        assert seek.status_code == 206 and seek.content == whole.content[size // 2 :]
        assert seek.headers["content-range"] == f"bytes {size // 2}-{size - 1}/{size}"
        probe = httpx.get(video_url, headers={"Range": "bytes=0-1023"})
        assert probe.status_code == 206 and probe.content == whole.content[:1024]
        past = httpx.get(video_url, headers={"Range": f"bytes={size + 10}-"})
        assert past.status_code == 416
