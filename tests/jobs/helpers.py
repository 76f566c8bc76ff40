"""Helpers for the render-job tests: build a draft over HTTP, submit it, poll it, probe the result."""

from __future__ import annotations

import itertools
import json
import re
import time
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np

from tests.render.helpers import rgb_frames

V1 = "/openapi/capcut-mate/v1"
ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SEED_FIELDS = [
    "draft_url", "status", "progress", "video_url", "error_message", "created_at", "started_at", "completed_at"
]  # fmt: skip
EXTRA_FIELDS = ["callback_delivery"]  # only for a task submitted with a callback_url


def assert_seed_fields(body: dict[str, Any]) -> None:
    """Exactly the seed's fields, in its order, plus the delivery state of a callback when there is one."""
    assert list(body)[: len(SEED_FIELDS)] == SEED_FIELDS, body
    assert list(body)[len(SEED_FIELDS) :] in ([], EXTRA_FIELDS), body


def post(client: httpx.Client, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{V1}/{endpoint}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def build_draft(client: httpx.Client, media_url: str, *, video: str = "red.mp4") -> str:
    """A 3 s 320×240 draft: a video, an image, music and two captions (one Chinese)."""
    url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
    post(client, "add_videos", {"draft_url": url, "video_infos": json.dumps(
        [{"video_url": f"{media_url}/{video}", "start": 0, "end": 1_500_000}])})  # fmt: skip
    post(client, "add_images", {"draft_url": url, "image_infos": json.dumps(
        [{"image_url": f"{media_url}/red.png", "start": 1_500_000, "end": 3_000_000}])})  # fmt: skip
    post(client, "add_audios", {"draft_url": url, "audio_infos": json.dumps(
        [{"audio_url": f"{media_url}/tone.mp3", "start": 0, "end": 3_000_000}])})  # fmt: skip
    post(client, "add_captions", {"draft_url": url, "captions": json.dumps([
        {"text": "你好，世界", "start": 0, "end": 1_500_000},
        {"text": "hello", "start": 1_500_000, "end": 3_000_000},
    ])})  # fmt: skip
    return url


def status(client: httpx.Client, draft_url: str) -> dict[str, Any]:
    response = client.post(f"{V1}/gen_video_status", json={"draft_url": draft_url})
    assert response.status_code == 200, response.text
    return response.json()


def poll(client: httpx.Client, draft_url: str, timeout: float = 240, until: tuple[str, ...] = ("completed", "failed")):
    """Poll until the status is one of `until`; returns every status body seen, in order."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(status(client, draft_url))
        if seen[-1]["status"] in until:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"task still {seen[-1] if seen else None} after {timeout} s")


def assert_monotonic(seen: list[dict[str, Any]]) -> None:
    """Progress never moves back while a task runs, and each state has the seed's progress range."""
    order = {"pending": 0, "processing": 1, "completed": 2, "failed": 2}
    for before, after in itertools.pairwise(seen):
        assert order[after["status"]] >= order[before["status"]], (before, after)
        if after["status"] != "failed":
            assert after["progress"] >= before["progress"], (before, after)
    for body in seen:
        assert_seed_fields(body)
        if body["status"] == "pending":
            assert body["progress"] == 0
        elif body["status"] == "processing":
            assert 10 <= body["progress"] <= 90
        elif body["status"] == "completed":
            assert body["progress"] == 100 and body["video_url"]
        else:
            assert body["progress"] == 0 and body["error_message"]


def probe(path: Path) -> dict[str, Any]:
    with av.open(str(path)) as container:
        return {
            "duration": container.duration / 1_000_000 if container.duration else 0.0,
            "video": [(s.codec_context.width, s.codec_context.height) for s in container.streams.video],
            "audio": len(container.streams.audio),
        }


def caption_ink(client: httpx.Client, draft_url: str, out: Path) -> Any:
    """gen_video the draft into `out` and return the white-ink mask (numpy bool) of an early frame."""
    post(client, "gen_video", {"draft_url": draft_url})
    final = poll(client, draft_url)[-1]
    assert final["status"] == "completed", final
    out.write_bytes(client.get(final["video_url"], follow_redirects=True).content)
    return rgb_frames(out)[3].min(axis=2) > 200


def ink_fill(ink: Any) -> float:
    """How much of its bounding box the ink covers: near 1 for solid boxes, well under for letters."""
    rows, cols = np.nonzero(ink)
    return float(ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].mean())
