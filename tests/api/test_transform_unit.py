"""transform_x / transform_y are the reference's unit, measured on a drawn frame: the element moves half the
value in pixels (+y up), and every place that documents them says so."""

from __future__ import annotations

import io
import json

import httpx
import numpy as np
from PIL import Image

from tests.api.helpers import V1, create_draft, post_ok


def _red_centre(api: httpx.Client, media_url: str, tx: float, ty: float) -> tuple[float, float]:
    url = create_draft(api, 320, 240)
    post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(
        [{"video_url": f"{media_url}/blue.mp4", "start": 0, "end": 1_000_000}])})  # fmt: skip
    post_ok(api, "add_images", {"draft_url": url, "scale_x": 0.25, "scale_y": 0.25, "transform_x": tx,
                                "transform_y": ty, "image_infos": json.dumps(
        [{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000}])})  # fmt: skip
    response = api.post(f"{V1}/gen_preview", json={"draft_url": url, "time": 500_000})
    assert response.status_code == 200, response.text
    frame = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB")).astype(int)
    red = (frame[..., 0] > 180) & (frame[..., 2] < 90)
    rows, cols = np.nonzero(red)
    assert 4000 < len(rows) < 5600  # an 80x60 photo
    return float(cols.mean()), float(rows.mean())


def test_the_element_moves_half_the_value_in_pixels_y_up(api: httpx.Client, media_url: str) -> None:
    x0, y0 = _red_centre(api, media_url, 0, 0)
    x1, y1 = _red_centre(api, media_url, 100, 60)
    assert abs((x1 - x0) - 50) <= 1.5  # transform_x 100: 50 px right
    assert abs((y0 - y1) - 30) <= 1.5  # transform_y 60: 30 px up


def test_the_documents_say_so(api: httpx.Client) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    described = {
        f"{name}.{prop}": schema["properties"][prop].get("description", "")
        for name, schema in schemas.items()
        for prop in schema.get("properties", {})
        if prop in ("transform_x", "transform_y", "text_transform_y")
    }
    assert len(described) >= 8  # videos, images, captions, sticker, easy_create_material
    for where, text in described.items():
        assert "/ 2 px" in text and "canvas centre" in text, where
        assert ("up" in text) == where.endswith("transform_y"), where
