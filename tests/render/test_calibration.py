"""Text layers against the app's own render of the calibration draft (skipped without ../shared).

The CapCut 7.9 draft in shared/calibration has a 1920x1013 canvas, a photo and two text materials; its
draft_cover.jpg is the app's render of the first frame at 720x379. We render our text layers onto the
contain-fitted photo, downscale the same way and compare the thresholded text ink inside each text's
region: bounding-box IoU (size and position) and IoU of the 1 px dilated ink masks (glyph placement).
The Arabic line scores lower: the draft's KFGQPC font has no glyph for U+0671 (alef wasla, three in the line),
which the app draws from a Windows system font and we cannot, and its words measure ~0.83-0.98 of our
widths (see render/text/raster.py's docstring).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from capcut_mate.render.plan.text import read_text
from capcut_mate.render.text.fonts import FontResolver
from capcut_mate.render.text.raster import render_text_layer

DRAFT = Path(__file__).resolve().parents[3] / "shared" / "calibration" / "capcut_7.9_text_and_photo"
COVER_SIZE = (720, 379)
# Regions of the cover (720x379 pixels) holding each text, and the luminance that counts as ink there.
REGIONS = {
    "latin": ((60, 120, 660, 225), 128),
    "arabic": ((150, 285, 570, 350), 90),
}
# Measured when written: box IoU latin 0.979, arabic 0.783; dilated ink IoU latin 0.676, arabic 0.352.
MIN_BOX_IOU = {"latin": 0.9, "arabic": 0.7}
MIN_INK_IOU = {"latin": 0.6, "arabic": 0.3}

pytestmark = pytest.mark.skipif(not DRAFT.is_dir(), reason="shared/calibration not present")


def _frame() -> tuple[Image.Image, Image.Image, list[str]]:
    """Our first frame at the canvas size (contain-fitted photo plus the text layers), the text layers' alpha."""
    draft = json.loads((DRAFT / "draft_content.json").read_text(encoding="utf-8"))
    width, height = draft["canvas_config"]["width"], draft["canvas_config"]["height"]
    photo = Image.open(DRAFT / "data" / "BG.png").convert("RGBA")
    fit = min(width / photo.width, height / photo.height)
    photo = photo.resize((round(photo.width * fit), round(photo.height * fit)), Image.Resampling.LANCZOS)
    frame = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    frame.alpha_composite(photo, ((width - photo.width) // 2, (height - photo.height) // 2))
    texts = {text["id"]: text for text in draft["materials"]["texts"]}
    coverage = Image.new("L", (width, height), 0)
    fonts = FontResolver(draft_dir=DRAFT)
    warnings: list[str] = []
    for track in draft["tracks"]:
        for segment in track["segments"]:
            if segment["material_id"] not in texts:
                continue
            clip = segment["clip"]
            layer = render_text_layer(
                read_text(texts[segment["material_id"]]), (width, height), fonts, clip["scale"]["x"]
            )
            warnings += layer.warnings
            cx = width / 2 + clip["transform"]["x"] * width / 2
            cy = height / 2 - clip["transform"]["y"] * height / 2
            corner = (round(cx - layer.anchor[0]), round(cy - layer.anchor[1]))
            frame.alpha_composite(layer.image, corner)
            coverage.paste(layer.image.getchannel("A"), corner, layer.image.getchannel("A"))
    return frame.convert("RGB"), coverage, warnings


def _ink(image: Image.Image, region: tuple[int, int, int, int], threshold: int) -> np.ndarray:
    luminance = np.asarray(image.convert("RGB"), dtype=np.float32).mean(axis=2)
    left, top, right, bottom = region
    return luminance[top:bottom, left:right] > threshold


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _box_iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    inter = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
    return inter / (area - inter)


def _dilate(mask: np.ndarray) -> np.ndarray:
    """Grow ink by one pixel: 2 px wide strokes at 720 px cannot be compared pixel-exactly."""
    image = Image.fromarray(mask.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(3))
    return np.asarray(image) > 0


@pytest.fixture(scope="module")
def inks() -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], list[str]]:
    """Per text: (our ink, the app's ink) in the cover's pixels; and our warnings."""
    ours, coverage, warnings = _frame()
    ours = ours.resize(COVER_SIZE, Image.Resampling.LANCZOS)
    coverage = np.asarray(coverage.resize(COVER_SIZE, Image.Resampling.BOX))
    cover = Image.open(DRAFT / "draft_cover.jpg").convert("RGB")
    result = {}
    for name, (region, threshold) in REGIONS.items():
        left, top, right, bottom = region
        # Only our text counts as our ink: the photo's ornaments are not under test.
        mine = _ink(ours, region, threshold) & (coverage[top:bottom, left:right] > 64)
        result[name] = (mine, _ink(cover, region, threshold))
    return result, warnings


@pytest.mark.parametrize("name", sorted(REGIONS))
def test_text_ink_box_matches_the_apps_render(
    inks: tuple[dict[str, tuple[np.ndarray, np.ndarray]], list[str]], name: str
) -> None:
    """Size and position: the ink bounding boxes overlap."""
    mine, theirs = inks[0][name]
    iou = _box_iou(_box(mine), _box(theirs))
    print(f"{name}: ink box ours {_box(mine)} app {_box(theirs)} IoU {iou:.3f}")
    assert iou >= MIN_BOX_IOU[name]


@pytest.mark.parametrize("name", sorted(REGIONS))
def test_text_ink_shape_matches_the_apps_render(
    inks: tuple[dict[str, tuple[np.ndarray, np.ndarray]], list[str]], name: str
) -> None:
    """Glyph placement: the (1 px dilated) ink masks overlap."""
    mine, theirs = (_dilate(mask) for mask in inks[0][name])
    iou = (mine & theirs).sum() / (mine | theirs).sum()
    print(f"{name}: dilated ink IoU {iou:.3f}")
    assert iou >= MIN_INK_IOU[name]


def test_missing_arabic_glyph_is_reported(
    inks: tuple[dict[str, tuple[np.ndarray, np.ndarray]], list[str]],
) -> None:
    assert any("U+0671" in warning for warning in inks[1])
