"""Issue 25 through the service: gen_video's `cover` poster frame, and a re-render after an edit that reuses
the chunks the edit did not touch (the chunk cache in the data dir)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from capcut_mate.config import Settings
from tests import servers
from tests.jobs.helpers import SEED_FIELDS, V1, assert_monotonic, build_draft, poll, post
from tests.jobs.test_callbacks import receiver
from tests.render.helpers import rgb_frames

pytestmark = pytest.mark.slow  # renders end to end


def test_a_cover_is_the_videos_frame_at_the_asked_time(api: httpx.Client, media_url: str, tmp_path: Path) -> None:
    """build_draft's 3 s: "你好，世界" over red until 1.5 s, then "hello" over a red still. The cover at 2 s is the
    video's frame 60, closer to it than to frame 0; without `time` it is frame 0."""
    draft_url = build_draft(api, media_url)
    with receiver() as hook:
        post(api, "gen_video", {"draft_url": draft_url, "cover": {"time": 2_000_000}, "callback_url": hook.url})
        final = poll(api, draft_url)[-1]
        assert hook.got.wait(30)
    assert final["status"] == "completed", final
    assert list(final)[: len(SEED_FIELDS)] == SEED_FIELDS and final["cover_url"]
    assert json.loads(hook.posts[0][1])["cover_url"] == final["cover_url"]  # the callback says it too
    frames = rgb_frames(_download(api, final["video_url"], tmp_path / "out.mp4"))
    cover = _image(api.get(final["cover_url"]))
    assert cover.shape == frames[60].shape
    assert np.abs(cover - frames[60]).mean() < np.abs(cover - frames[0]).mean()

    post(api, "gen_video", {"draft_url": draft_url, "cover": True})
    first = poll(api, draft_url)[-1]
    cover = _image(api.get(first["cover_url"]))
    assert np.abs(cover - frames[0]).mean() < np.abs(cover - frames[60]).mean()

    post(api, "gen_video", {"draft_url": draft_url})  # no cover asked: exactly the seed's fields
    assert list(poll(api, draft_url)[-1]) == SEED_FIELDS


def test_a_cover_time_must_be_a_time(api: httpx.Client, media_url: str) -> None:
    draft_url = build_draft(api, media_url)
    response = api.post(f"{V1}/gen_video", json={"draft_url": draft_url, "cover": {"time": -1}})
    assert response.status_code in (400, 422) and "cover" in response.text, response.text


def test_a_re_render_after_a_caption_edit_reuses_the_untouched_chunk(media_url: str, tmp_path: Path) -> None:
    """1 s chunks cut build_draft's 3 s at 1.5 s; "hello" (1.5-3 s) changed: the second render reuses the audio
    and the first chunk, renders the second again, and its progress still only goes up."""
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, render_chunk_seconds=1.0)
    with servers.api_server(settings) as base_url, httpx.Client(base_url=base_url, timeout=60) as api:
        draft_url = build_draft(api, media_url)
        post(api, "gen_video", {"draft_url": draft_url})
        assert poll(api, draft_url)[-1]["status"] == "completed"
        assert _reused(api, draft_url) == [False, False, False]
        post(api, "replace_text", {"draft_url": draft_url, "match": "hello", "text": "bye"})
        post(api, "gen_video", {"draft_url": draft_url})
        seen = poll(api, draft_url)
        assert_monotonic(seen)
        assert seen[-1]["status"] == "completed"
        assert _reused(api, draft_url) == [True, True, False]


def _reused(api: httpx.Client, draft_url: str) -> list[bool]:
    report = api.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()["report"]
    return [unit["reused"] for unit in report["chunks"]]


def _download(api: httpx.Client, url: str, path: Path) -> Path:
    path.write_bytes(api.get(url).content)
    return path


def _image(response: httpx.Response) -> np.ndarray:
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg", response.headers
    with Image.open(io.BytesIO(response.content)) as image:
        return np.asarray(image.convert("RGB")).astype(int)
