"""Masks, keyframes, animations, transitions, filters and stickers rendered: pixels at chosen times (issue 5)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from capcut_mate.config import Settings
from tests.api.helpers import content_of, create_draft, draft_id, post_ok
from tests.render.draftkit import Draft, keyframes
from tests.render.helpers import is_color, render, rgb_frames

SEC = 1_000_000
RED, BLUE, BLACK, WHITE = (255, 0, 0), (0, 0, 255), (0, 0, 0), (255, 255, 255)
# A 3x3 grid of cells on the 320x240 canvas; a photo at scale 1/3 fills one cell (107x80).
CELL_X, CELL_Y = (-2 / 3, 0.0, 2 / 3), (2 / 3, 0.0, -2 / 3)


def mask(resource_type: str, name: str, **config: float) -> dict:
    base = {"centerX": 0.0, "centerY": 0.0, "width": 0.6, "height": 0.6, "rotation": 0.0, "feather": 0.0,
            "invert": False, "roundCorner": 0.0}  # fmt: skip
    base.update(config)
    return {"type": "mask", "resource_type": resource_type, "name": name, "config": base}


def in_cell(frame: np.ndarray, col: int, row: int, fx: float, fy: float) -> np.ndarray:
    """The pixel at (fx, fy) half-cell units from a cell's centre (+y up)."""
    cx, cy = 160 + CELL_X[col] * 160, 120 - CELL_Y[row] * 120
    return frame[round(cy - fy * 40), round(cx + fx * 160 / 3)]


def test_mask_shapes_feather_invert_and_rotation(media_dir: Path, tmp_path: Path) -> None:
    cells = {
        (0, 0): mask("circle", "圆形"),
        (1, 0): mask("rectangle", "矩形", width=0.8, height=0.8, roundCorner=1.0),
        (2, 0): mask("line", "线性"),
        (0, 1): mask("mirror", "镜面", height=0.4),
        (1, 1): mask("geometric_shape", "爱心", width=0.8, height=0.8),
        (2, 1): mask("geometric_shape", "星形", width=0.9, height=0.9),
        (0, 2): mask("circle", "圆形", invert=True),
        (1, 2): mask("rectangle", "矩形", width=1.0, height=0.5, feather=1.0),
        (2, 2): mask("rectangle", "矩形", width=1.0, height=0.3, rotation=90.0),
    }
    draft = Draft()
    segments = {}
    for (col, row), item in cells.items():
        seg = draft.video(draft.track("video"), media_dir / "red.png", 0, 200_000, photo=True)
        seg["clip"].update(scale={"x": 1 / 3, "y": 1 / 3}, transform={"x": CELL_X[col], "y": CELL_Y[row]})
        draft.refer(seg, "masks", item)
        segments[seg["id"]] = item["name"]
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    frame = rgb_frames(tmp_path / "out.mp4")[3]

    def red(col: int, row: int, fx: float, fy: float) -> bool:
        return is_color(in_cell(frame, col, row, fx, fy), RED, 60)

    def black(col: int, row: int, fx: float, fy: float) -> bool:
        return is_color(in_cell(frame, col, row, fx, fy), BLACK, 60)

    assert red(0, 0, 0, 0) and red(0, 0, 0.45, 0) and black(0, 0, 0.8, 0.8)  # circle
    assert red(1, 0, 0.7, 0) and red(1, 0, 0, 0.7) and black(1, 0, 0.75, 0.75)  # rounded corner cut away
    assert red(2, 0, 0, 0.5) and black(2, 0, 0, -0.5)  # line keeps the upper side
    assert red(0, 1, 0.8, 0) and black(0, 1, 0, 0.7) and black(0, 1, 0, -0.7)  # mirror band
    assert red(1, 1, 0, 0) and red(1, 1, -0.4, 0.4) and black(1, 1, 0, 0.75) and black(1, 1, -0.7, -0.6)  # heart
    assert red(2, 1, 0, 0) and red(2, 1, 0, 0.75) and black(2, 1, 0.5, 0.55)  # star: a point up, a notch beside it
    assert black(0, 2, 0, 0) and red(0, 2, 0.8, 0.8)  # inverted circle
    edge = in_cell(frame, 1, 2, 0, 0.5)  # feathered edge: partly transparent
    assert red(1, 2, 0, 0) and 40 < edge[0] < 215 and black(1, 2, 0, 0.9)
    assert red(2, 2, 0, 0.7) and black(2, 2, 0.6, 0)  # a wide bar turned upright
    masked = {w["segment_id"] for w in report.warnings if w["feature"] == "mask"}
    assert masked == set(segments)  # each approximation names its segment


def test_keyframed_brightness_and_saturation(media_dir: Path, tmp_path: Path) -> None:
    grey = tmp_path / "grey.png"
    Image.new("RGB", (320, 240), (100, 100, 100)).save(grey)
    draft = Draft()
    bright = draft.video(draft.track("video"), grey, 0, SEC, photo=True)
    bright["clip"]["scale"] = {"x": 0.5, "y": 0.5}
    bright["clip"]["transform"] = {"x": -0.5, "y": 0.0}
    bright["common_keyframes"] = [keyframes("KFTypeBrightness", [(0, 0.0), (SEC, 0.5)])]
    grey_out = draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    grey_out["clip"]["scale"] = {"x": 0.5, "y": 0.5}
    grey_out["clip"]["transform"] = {"x": 0.5, "y": 0.0}
    grey_out["common_keyframes"] = [keyframes("KFTypeSaturation", [(0, 0.0), (SEC, -1.0)])]
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    assert frames[29][120, 80, 1] > frames[0][120, 80, 1] + 40  # brighter over time
    assert is_color(frames[0][120, 240], RED)
    last = frames[29][120, 240]
    assert int(last.max()) - int(last.min()) < 30  # desaturated to grey
    assert {w["segment_id"] for w in report.warnings if w["feature"] == "keyframe"} == {bright["id"], grey_out["id"]}


def test_each_transition_family_mid_window(media_dir: Path, tmp_path: Path) -> None:
    """Red and blue photos alternate every 0.6 s; each cut has a transition of 0.4 s, checked at the cut."""
    names = ["叠化", "闪黑", "闪白", "左移", "向右擦除", "推近", "顺时针旋转", "模糊"]
    draft = Draft()
    track = draft.track("video")
    stripes = tmp_path / "stripes.png"
    half = Image.new("RGB", (320, 240), (255, 255, 255))
    half.paste((0, 0, 0), (160, 0, 320, 240))
    half.save(stripes)
    clips = []
    for n in range(len(names) + 1):
        path = tmp_path / f"c{n}.png"
        Image.new("RGB", (320, 240), BLUE if n % 2 else RED).save(path)
        clips.append(draft.video(track, stripes if n == 7 else path, n * 600_000, 600_000, photo=True))
    for clip, name in zip(clips, names, strict=False):
        draft.refer(clip, "transitions", {"type": "transition", "name": name, "duration": 400_000, "is_overlap": True})
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")

    def at_cut(n: int) -> np.ndarray:
        return frames[18 * (n + 1)]  # cut n at (n + 1) * 0.6 s = frame 18 (n + 1)

    def mixed(pixel: np.ndarray) -> bool:
        return 50 < pixel[0] < 205 and 50 < pixel[2] < 205

    assert mixed(at_cut(0)[120, 160])  # dissolve
    assert is_color(at_cut(1)[120, 160], BLACK) and is_color(frames[18 * 2 - 3][120, 160], BLUE, 150)
    assert is_color(at_cut(2)[120, 160], WHITE)
    # 左移: blue (outgoing) leaves to the left, red comes in from the right
    assert is_color(at_cut(3)[120, 60], BLUE) and is_color(at_cut(3)[120, 260], RED)
    # 向右擦除: the edge runs right, revealing blue (incoming) on the left
    assert is_color(at_cut(4)[120, 60], BLUE) and is_color(at_cut(4)[120, 260], RED)
    # 推近: the outgoing blue grows past the canvas; the incoming red, smaller, fades in over it
    assert is_color(at_cut(5)[3, 3], BLUE) and mixed(at_cut(5)[120, 160])
    # 顺时针旋转: both clips turned ±45°: the canvas corners are empty, the centre is a mix
    assert is_color(at_cut(6)[3, 3], BLACK, 60) and mixed(at_cut(6)[120, 160])
    # 模糊: the sharp white|black edge of the outgoing stripes is blurred (and half covered) at the cut
    before, cut = frames[18 * 8 - 9], at_cut(7)
    assert int(before[120, 150, 1]) - int(before[120, 170, 1]) > 200
    assert int(cut[120, 155, 1]) - int(cut[120, 165, 1]) < 90
    reported = {w["message"].split("'")[1] for w in report.warnings if w["feature"] == "transition"}
    assert reported == set(names) - {"叠化"}


def red_mask(frame: np.ndarray) -> np.ndarray:
    return (frame[:, :, 0] > 128) & (frame[:, :, 2] < 100)


def test_animations_slide_zoom_rotate_wipe_blur_and_loops(media_dir: Path, tmp_path: Path) -> None:
    """Small red photos (64x48) on black, one animation each; intros last 0.6 s, loops the whole second."""
    placed = {  # name: (type, col, row)
        "向右滑动": ("in", 1, 0),
        "放大": ("in", 0, 1),
        "旋转": ("in", 1, 1),
        "向右擦除": ("in", 2, 1),
        "模糊": ("in", 0, 2),
        "转圈圈": ("group", 1, 2),
        "闪烁": ("loop", 2, 2),
    }
    stripes = tmp_path / "stripes.png"
    image = Image.new("RGB", (320, 240), WHITE)
    image.paste(BLACK, (160, 0, 320, 240))
    image.save(stripes)
    draft = Draft()
    for name, (kind, col, row) in placed.items():
        path = stripes if name == "模糊" else media_dir / "red.png"
        seg = draft.video(draft.track("video"), path, 0, SEC, photo=True)
        seg["clip"].update(scale={"x": 0.2, "y": 0.2}, transform={"x": CELL_X[col], "y": CELL_Y[row]})
        length = 600_000 if kind == "in" else SEC
        draft.refer(seg, "material_animations", {"type": "sticker_animation", "animations": [
            {"name": name, "type": kind, "start": 0, "duration": length}]})  # fmt: skip
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    red = [red_mask(frame) for frame in frames]

    def centre_x(n: int) -> float:  # the slide's row only
        return float(np.nonzero(red[n][40])[0].mean())

    def extent(n: int, rows: slice, cols: slice, axis: int) -> int:
        """Red width (axis 1) or height (axis 0) inside a cell."""
        return int(red[n][rows, cols].any(axis=1 - axis).sum())

    col0, col1 = slice(0, 107), slice(107, 213)
    assert centre_x(0) == pytest.approx(112, abs=3) and centre_x(9) == pytest.approx(136, abs=3)
    assert centre_x(25) == pytest.approx(160, abs=3)  # 向右滑动: from 0.3 units left, in 0.6 s
    row1 = slice(80, 160)
    assert extent(0, row1, col0, 1) == pytest.approx(38, abs=3)  # 放大: 0.6 -> 1
    # 64 px wide at its end; placed to the sub-pixel (render/graph/transform.py), an edge column may be partly covered
    assert extent(9, row1, col0, 1) == pytest.approx(51, abs=3) and extent(25, row1, col0, 1) == pytest.approx(
        64, abs=1
    )
    assert extent(9, row1, col1, 0) == pytest.approx(64, abs=3)  # 旋转: -180° -> 0, upright at 0.3 s
    assert extent(25, row1, col1, 0) == pytest.approx(48, abs=2)
    assert red[9][120, 267 - 16] and not red[9][120, 267 + 16]  # 向右擦除: the left half revealed at 0.3 s
    assert red[25][120, 267 + 16]

    def contrast(n: int) -> int:  # across the white|black edge of the stripes photo
        return int(frames[n][200, 49, 1]) - int(frames[n][200, 57, 1])

    assert contrast(0) < 150 and contrast(25) > 200  # 模糊: blurred at first, sharp after 0.6 s
    row2 = slice(160, 240)
    assert extent(7, row2, col1, 0) == pytest.approx(69, abs=3)  # 转圈圈: 84° at 7/30 s: 64 sin + 48 cos
    assert frames[7][200, 267, 0] < 90 and frames[15][200, 267, 0] > 220  # 闪烁: dims at 0.25 s, back at 0.5 s
    animated = {w["message"] for w in report.warnings if w["feature"] == "animation"}
    assert len(animated) == len(placed) and all("approximated as" in message for message in animated)


def test_filters_effects_luts_and_stickers(media_dir: Path, tmp_path: Path) -> None:
    """Filter/effect tracks act on what is below them inside their windows; unknown names are reported."""
    cube = tmp_path / "green.cube"
    cube.write_text("LUT_3D_SIZE 2\n" + "0 1 0\n" * 8)
    draft = Draft()
    draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    filters = draft.track("filter")
    bw = draft.material("effects", {"type": "filter", "name": "高清黑白", "value": 1.0})
    film = draft.material("effects", {"type": "filter", "name": "胶片", "value": 1.0})
    lut = draft.material("effects", {"type": "lut", "name": "green", "path": str(cube)})
    grey_seg = draft._segment(filters, bw, 500_000, 500_000)
    unknown = draft._segment(filters, film, 0, 500_000)
    draft._segment(filters, lut, 0, 300_000)
    effects = draft.track("effect")
    vignette = draft._segment(effects, draft.material("video_effects", {"type": "video_effect", "name": "暗角"}),
                              0, SEC)  # fmt: skip
    pip = draft.video(draft.track("video"), media_dir / "blue.mp4", 0, SEC)  # above the filters: untouched
    pip["clip"].update(scale={"x": 0.25, "y": 0.25}, transform={"x": 0.5, "y": 0.5})
    with_image = draft.material("stickers", {"type": "sticker", "resource_id": "1", "path": str(media_dir / "red.png")})
    remote = draft.material("stickers", {"type": "sticker", "resource_id": "2"})
    sticker = draft._segment(draft.track("sticker"), with_image, 0, SEC)
    sticker["clip"].update(scale={"x": 0.2, "y": 0.2}, transform={"x": -0.6, "y": 0.6})
    missing = draft._segment(draft.track("sticker"), remote, 0, SEC)
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    assert is_color(frames[3][120, 160], (0, 255, 0), 60)  # the LUT maps everything below to green
    assert is_color(frames[12][120, 160], RED)  # between the LUT and the black & white filter
    grey = frames[20][120, 160]
    assert int(grey.max()) - int(grey.min()) < 20 and grey[0] > 40  # 高清黑白: red turned grey
    assert is_color(frames[20][60, 240], BLUE)  # the PiP is above the filter track
    assert frames[12][5, 5, 0] < 150 and frames[12][120, 160, 0] > 200  # 暗角: dark corners, bright centre
    assert is_color(frames[20][48, 64], RED)  # the sticker's local image, above everything
    features = {(w["segment_id"], w["feature"]): w["message"] for w in report.warnings}
    assert "not rendered" in features[(unknown["id"], "effects/filter")]
    assert "approximated" in features[(grey_seg["id"], "effects/filter")]
    assert "approximated" in features[(vignette["id"], "video_effects/video_effect")]
    assert "no local image" in features[(missing["id"], "sticker_track")]


def test_draft_built_through_the_api_renders_its_effects(
    api: httpx.Client, media_url: str, media_dir: Path, settings: Settings, tmp_path: Path
) -> None:
    """add_images (transition 左移) + add_masks + add_keyframes + add_filters over HTTP, then rendered."""
    if not (media_dir / "blue.png").exists():
        Image.new("RGB", (320, 240), BLUE).save(media_dir / "blue.png")
    url = create_draft(api)  # 320x240
    infos = [
        {"image_url": f"{media_url}/red.png", "start": 0, "end": SEC, "transition": "左移",
         "transition_duration": 400_000},
        {"image_url": f"{media_url}/blue.png", "start": SEC, "end": 2 * SEC, "in_animation": "渐显",
         "in_animation_duration": 100_000},
    ]  # fmt: skip
    first, second = post_ok(api, "add_images", {"draft_url": url, "image_infos": json.dumps(infos)})["segment_ids"]
    post_ok(api, "add_masks", {"draft_url": url, "segment_ids": [first], "name": "圆形", "height": 240})
    scale = [{"segment_id": second, "property": "UNIFORM_SCALE", "offset": t, "value": 0.5} for t in (0, SEC)]
    post_ok(api, "add_keyframes", {"draft_url": url, "keyframes": json.dumps(scale)})
    grey = [{"filter_title": "高清黑白", "start": 1_500_000, "end": 2 * SEC, "intensity": 100}]
    post_ok(api, "add_filters", {"draft_url": url, "filter_infos": json.dumps(grey)})
    folder = settings.data_dir / "drafts" / draft_id(url)
    report = render(content_of(settings.data_dir, url), folder, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    assert len(frames) == 60
    assert is_color(frames[9][120, 160], RED) and is_color(frames[9][5, 5], BLACK)  # circle mask
    assert is_color(frames[30][120, 60], RED) and is_color(frames[30][120, 260], BLACK)  # 左移 mid-window
    assert is_color(frames[39][120, 160], BLUE) and is_color(frames[39][20, 20], BLACK)  # half-size keyframes
    centre = frames[51][120, 160]
    assert int(centre.max()) - int(centre.min()) < 20 and centre.max() > 10  # 高清黑白 from 1.5 s
    features = {w["feature"] for w in report.warnings}
    assert {"transition", "mask", "animation", "effects/filter"} <= features
