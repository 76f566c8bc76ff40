"""gen_preview over HTTP: a PNG of the frame, a storyboard, and clear errors."""

from __future__ import annotations

import io
import json

import httpx
import numpy as np
from PIL import Image

from capcut_mate.config import Settings
from tests.api.helpers import V1, captions, create_draft, draft_id, post_error, post_ok


def _draft_with_photo_and_caption(api: httpx.Client, media_url: str) -> str:
    draft_url = create_draft(api, 320, 240)
    images = json.dumps([{"image_url": f"{media_url}/red.png", "start": 0, "end": 2_000_000}])
    post_ok(api, "add_images", {"draft_url": draft_url, "image_infos": images, "scale_x": 0.5, "scale_y": 0.5})
    post_ok(api, "add_captions", {"draft_url": draft_url, "captions": captions("一", "二"), "font_size": 12})
    return draft_url


def test_one_frame_is_a_png_of_the_canvas(api: httpx.Client, media_url: str) -> None:
    draft_url = _draft_with_photo_and_caption(api, media_url)
    response = api.post(f"{V1}/gen_preview", json={"draft_url": draft_url, "time": 1_500_000})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-preview-frames"] == "45"
    image = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB")).astype(int)
    assert image.shape == (240, 320, 3)
    assert abs(image[120, 160] - (255, 0, 0)).max() < 40  # the half-size photo in the middle
    assert image[10, 10].max() < 30  # black around it


def test_storyboard_and_width(api: httpx.Client, media_url: str) -> None:
    draft_url = _draft_with_photo_and_caption(api, media_url)
    body = {"draft_url": draft_url, "times": [0, 500_000, 1_000_000, 1_500_000], "width": 160}
    response = api.post(f"{V1}/gen_preview", json=body)
    assert response.status_code == 200, response.text
    assert Image.open(io.BytesIO(response.content)).size == (2 * 160, 2 * (120 + 28))
    assert response.headers["x-preview-frames"] == "0,15,30,45"


def test_bad_requests(api: httpx.Client, media_url: str) -> None:
    draft_url = create_draft(api)
    details = post_error(api, "gen_preview", {"draft_url": draft_url}, 400, "VALIDATION_ERROR")
    assert "time" in details
    body = {"draft_url": draft_url, "time": 0, "times": [0]}
    post_error(api, "gen_preview", body, 400, "VALIDATION_ERROR")
    post_error(api, "gen_preview", {"draft_url": draft_url, "times": list(range(17))}, 400, "VALIDATION_ERROR")
    details = post_error(api, "gen_preview", {"draft_url": draft_url, "time": 0}, 422, "PREVIEW_FAILED")
    assert "DRAFT_EMPTY" in details


def test_missing_media_is_explained_in_the_apis_terms(api: httpx.Client, media_url: str, settings: Settings) -> None:
    """As gen_video says it: which material, and which call brings it back; no server folder, no CLI flags."""
    draft_url = _draft_with_photo_and_caption(api, media_url)
    folder = settings.data_dir / "drafts" / draft_id(draft_url)
    for photo in (folder / "assets").rglob("*.png"):
        photo.unlink()
    details = post_error(api, "gen_preview", {"draft_url": draft_url, "time": 0}, 422, "MEDIA_MISSING")
    assert "red.png" in details and "add_images" in details
    assert str(settings.data_dir) not in details and "--media-root" not in details


def test_an_absurd_scale_is_a_clear_error_not_a_crash(api: httpx.Client, media_url: str) -> None:
    """Found by the fuzz run: a photo scaled a billion times overflowed Pillow (a 500)."""
    draft_url = create_draft(api, 320, 240)
    images = json.dumps([{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000}])
    post_ok(api, "add_images", {"draft_url": draft_url, "image_infos": images, "scale_x": 1e9, "scale_y": 1e300})
    videos = json.dumps([{"video_url": f"{media_url}/red.mp4", "start": 1_000_000, "end": 2_000_000}])
    post_ok(api, "add_videos", {"draft_url": draft_url, "video_infos": videos, "scale_x": 1e308, "scale_y": 1e308})
    for time_us in (0, 1_500_000):  # the photo; the video, whose size is infinite
        body = {"draft_url": draft_url, "time": time_us}
        details = post_error(api, "gen_preview", body, 422, "PREVIEW_FAILED")
        assert "DRAFT_INVALID" in details and "lower its scale" in details


def test_times_and_sizes_take_numbers_only(api: httpx.Client, media_url: str) -> None:
    """Found by the fuzz run: `"times": [true, false]` drew frames 1 and 0 (issue 11's rule: numbers only)."""
    draft_url = _draft_with_photo_and_caption(api, media_url)
    for body in ({"times": [True, False]}, {"time": True}, {"time": 0, "width": "two hundred"}):
        post_error(api, "gen_preview", {"draft_url": draft_url, **body}, 400, "VALIDATION_ERROR")
    post_error(api, "gen_video", {"draft_url": draft_url, "width": True}, 400, "VALIDATION_ERROR")
