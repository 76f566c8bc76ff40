"""Text rasterisation: real renders checked by where the ink lands and what colour it has."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from capcut_mate.render.plan.text import read_text
from capcut_mate.render.text import fonts as fonts_module
from capcut_mate.render.text.fonts import FontNotFoundError, FontResolver
from capcut_mate.render.text.raster import TextLayer, em_pixels, render_text_layer

CANVAS = (1080, 1920)
WHITE = [1.0, 1.0, 1.0]


@pytest.fixture(scope="module")
def fonts() -> FontResolver:
    return FontResolver()


def style(start: int, end: int, color: list[float] = WHITE, size: float = 10, **extra: object) -> dict:
    fill = {"alpha": 1.0, "content": {"render_type": "solid", "solid": {"alpha": 1.0, "color": color}}}
    return {"range": [start, end], "size": size, "fill": fill, **extra}


def material(text: str, styles: list[dict] | None = None, **fields: object) -> dict:
    styles = styles if styles is not None else [style(0, len(text))]
    return {"content": json.dumps({"text": text, "styles": styles}), "alignment": 1, **fields}


def pixels(layer: TextLayer) -> np.ndarray:
    return np.asarray(layer.image.convert("RGBA"), dtype=np.int32)


def ink_columns(layer: TextLayer, rows: slice = slice(None)) -> np.ndarray:
    return np.nonzero(pixels(layer)[rows, :, 3].max(axis=0) > 128)[0]


def row_bands(layer: TextLayer) -> int:
    """Number of separate horizontal bands of ink (= text lines when lines do not touch)."""
    rows = pixels(layer)[:, :, 3].max(axis=1) > 128
    return int(np.sum(rows[1:] & ~rows[:-1]) + rows[0])


def test_size_rule_fits_both_calibration_points() -> None:
    assert em_pixels(10, (1080, 1920)) == pytest.approx(67.5)  # third-party portrait measurement
    assert em_pixels(10, (1920, 1013)) == pytest.approx(79.2, abs=0.5)  # app render: Poppins 79.0-79.5
    assert em_pixels(14, (1920, 1013)) == pytest.approx(106.0, rel=0.05)  # app render: Arabic ~106
    assert em_pixels(10, (1080, 1920), scale=2.0) == pytest.approx(135.0)


def test_chinese_caption_is_real_glyphs_inside_its_box(fonts: FontResolver) -> None:
    layer = render_text_layer(read_text(material("中文字幕")), CANVAS, fonts)
    assert layer.warnings == []
    alpha = pixels(layer)[:, :, 3]
    ys, xs = np.nonzero(alpha > 128)
    # Ink is centred on the anchor and about one em tall, four ems wide.
    assert abs((xs.min() + xs.max()) / 2 - layer.anchor[0]) < 6
    assert abs((ys.min() + ys.max()) / 2 - layer.anchor[1]) < 12
    assert 3.4 * 67.5 < xs.max() - xs.min() < 4.2 * 67.5
    glyphs = [pixels(render_text_layer(read_text(material(ch)), CANVAS, fonts))[:, :, 3] for ch in "中文字"]
    shapes = {(g.shape, (g > 128).tobytes()) for g in glyphs}
    assert len(shapes) == 3  # tofu boxes would all look the same


def test_keyword_range_has_its_colour_and_size(fonts: FontResolver) -> None:
    text = "普通关键词普通"
    styles = [style(0, 7), style(2, 5, color=[1.0, 0.0, 0.0], size=14)]
    layer = render_text_layer(read_text(material(text, styles)), CANVAS, fonts)
    rgba = pixels(layer)
    opaque = rgba[:, :, 3] > 200
    red = opaque & (rgba[:, :, 0] > 200) & (rgba[:, :, 1] < 60)
    white = opaque & (rgba[:, :, 1] > 200)
    red_x, white_x = np.nonzero(red)[1], np.nonzero(white)[1]
    assert red.sum() > 1000 and white.sum() > 1000
    assert white_x.min() < red_x.min() and red_x.max() < white_x.max()  # keyword in the middle
    red_height = np.ptp(np.nonzero(red)[0])
    white_height = np.ptp(np.nonzero(white)[0])
    assert red_height > 1.2 * white_height  # size 14 vs 10


def test_utf16_and_overlong_ranges_are_clamped(fonts: FontResolver) -> None:
    text = "😀好"
    layer = render_text_layer(read_text(material(text, [style(0, 99), style(2, 3, color=[0, 1, 0])])), CANVAS, fonts)
    rgba = pixels(layer)
    green = (rgba[:, :, 3] > 200) & (rgba[:, :, 1] > 200) & (rgba[:, :, 0] < 60)
    assert green.sum() > 500  # UTF-16 offset 2..3 is "好"


def test_stroke_draws_a_dark_outline_ring(fonts: FontResolver) -> None:
    plain = render_text_layer(read_text(material("描边")), CANVAS, fonts)
    stroke = {"content": {"solid": {"alpha": 1.0, "color": [0, 0, 0]}}, "width": 0.08}
    outlined = render_text_layer(read_text(material("描边", [style(0, 2, strokes=[stroke])])), CANVAS, fonts)
    rgba = pixels(outlined)
    dark = (rgba[:, :, 3] > 200) & (rgba[:, :, :3].max(axis=2) < 60)
    bright = (rgba[:, :, 3] > 200) & (rgba[:, :, :3].min(axis=2) > 200)
    assert dark.sum() > 0.3 * bright.sum()
    # The ring grows the ink by about width x em on each side.
    grow = (outlined.image.width - plain.image.width) / 2
    assert grow == pytest.approx(0.08 * 67.5, abs=2)


def test_alignment_moves_short_line_left_or_right(fonts: FontResolver) -> None:
    text = "短\n很长很长的一行字"
    centres = {}
    for alignment in (0, 2):
        layer = render_text_layer(read_text(material(text, alignment=alignment)), CANVAS, fonts)
        top_line = ink_columns(layer, slice(0, int(layer.anchor[1]) - 10))
        centres[alignment] = (top_line.min() + top_line.max()) / 2 - layer.anchor[0]
    assert centres[0] < -150 and centres[2] > 150


def test_subtitle_wraps_at_line_max_width(fonts: FontResolver) -> None:
    text = "这是一条很长的字幕需要自动换行才能放得下"
    single = render_text_layer(read_text(material(text, type="text")), CANVAS, fonts)
    wrapped = render_text_layer(read_text(material(text, type="subtitle", line_max_width=0.5)), CANVAS, fonts)
    assert row_bands(single) == 1
    assert row_bands(wrapped) >= 3
    assert wrapped.image.width <= 0.5 * CANVAS[0] + 10


def test_latin_wraps_between_words(fonts: FontResolver) -> None:
    layer = render_text_layer(
        read_text(material("alpha beta gamma delta", type="subtitle", line_max_width=0.45)), CANVAS, fonts
    )
    assert row_bands(layer) == 2  # "alpha beta" / "gamma delta", no word split


def test_forced_breaks_and_line_spacing(fonts: FontResolver) -> None:
    tight = render_text_layer(read_text(material("口\n田", line_spacing=0.02)), CANVAS, fonts)
    loose = render_text_layer(read_text(material("口\n田", line_spacing=0.52)), CANVAS, fonts)
    assert row_bands(tight) == 2
    assert loose.image.height - tight.image.height == pytest.approx(0.5 * 67.5, abs=2)


def test_shadow_falls_down_right_at_minus_45_degrees(fonts: FontResolver) -> None:
    shadow = {"alpha": 1.0, "angle": -45, "distance": 30, "diffuse": 0.0, "content": {"solid": {"color": [0, 0, 0]}}}
    layer = render_text_layer(read_text(material("影", [style(0, 1, shadows=[shadow])])), CANVAS, fonts)
    rgba = pixels(layer)
    opaque = rgba[:, :, 3] > 200
    dark = opaque & (rgba[:, :, :3].max(axis=2) < 60)
    white = opaque & (rgba[:, :, :3].min(axis=2) > 200)
    dy, dx = np.argwhere(dark).mean(axis=0) - np.argwhere(white).mean(axis=0)
    assert dx > 5 and dy > 5


def test_bold_adds_ink_and_italic_leans_right(fonts: FontResolver) -> None:
    regular = pixels(render_text_layer(read_text(material("Il")), CANVAS, fonts))[:, :, 3] > 128
    bold = pixels(render_text_layer(read_text(material("Il", [style(0, 2, bold=True)])), CANVAS, fonts))[:, :, 3] > 128
    assert bold.sum() > 1.2 * regular.sum()
    italic = render_text_layer(read_text(material("I", [style(0, 1, italic=True)])), CANVAS, fonts)
    alpha = pixels(italic)[:, :, 3] > 128
    rows = np.nonzero(alpha.any(axis=1))[0]
    top_x = np.nonzero(alpha[rows[0] + 2])[0].mean()
    bottom_x = np.nonzero(alpha[rows[-1] - 2])[0].mean()
    assert top_x - bottom_x > 5


def test_background_box_and_global_alpha(fonts: FontResolver) -> None:
    boxed = render_text_layer(
        read_text(material("背景", background_color="#202020", background_alpha=1.0, check_flag=23)), CANVAS, fonts
    )
    corner = pixels(boxed)[2, 2]
    assert corner[3] == 255 and corner[:3].tolist() == [32, 32, 32]
    faded = render_text_layer(read_text(material("淡", global_alpha=0.5)), CANVAS, fonts)
    assert pixels(faded)[:, :, 3].max() == pytest.approx(128, abs=2)


def test_arabic_is_shaped_right_to_left(fonts: FontResolver) -> None:
    layer = render_text_layer(read_text(material("سلام")), CANVAS, fonts)
    assert not any("raqm" in w for w in layer.warnings)
    isolated = render_text_layer(read_text(material("س ل ا م")), CANVAS, fonts)
    assert layer.image.width < isolated.image.width  # joined forms are narrower than isolated ones


def test_unknown_font_falls_back_with_a_warning(fonts: FontResolver) -> None:
    font = {"id": "6807743423336944142", "path": "C:/Users/x/Fonts/NoSuchFont.ttf"}
    layer = render_text_layer(read_text(material("字", [style(0, 1, font=font)])), CANVAS, fonts)
    assert layer.image.getbbox() is not None
    assert any("NoSuchFont.ttf" in w for w in layer.warnings)


def test_no_cjk_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setattr(fonts_module, "_fontconfig_faces", lambda pattern: [])
    with pytest.raises(FontNotFoundError, match="fonts-noto-cjk"):
        render_text_layer(read_text(material("中")), CANVAS, FontResolver())


def test_empty_text_is_an_empty_layer(fonts: FontResolver) -> None:
    layer = render_text_layer(read_text(material("")), CANVAS, fonts)
    assert layer.image.size == (1, 1) and isinstance(layer.image, Image.Image)


def test_glyphs_the_drafts_font_lacks_come_from_a_fallback_with_a_warning(tmp_path: Path) -> None:
    """A Latin-only draft font and a Chinese character: drawn from a CJK fallback, and said so."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    latin = next(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"))
    (folder / "DejaVuSans.ttf").symlink_to(latin)
    font = {"path": "C:/Users/x/Fonts/DejaVuSans.ttf"}
    layer = render_text_layer(read_text(material("A中", [style(0, 2, font=font)])), CANVAS, FontResolver(folder))
    assert [w for w in layer.warnings if "U+4E2D" in w and "DejaVuSans.ttf" in w and "drawn with" in w]
    alpha = pixels(layer)[:, :, 3]
    half = alpha.shape[1] // 2
    assert (alpha[:, :half] > 128).sum() > 200 and (alpha[:, half:] > 128).sum() > 200  # both drawn
    plain = render_text_layer(
        read_text(material("A中")), CANVAS, FontResolver(folder)
    )  # no font chosen: nothing to say
    assert not [w for w in plain.warnings if "drawn with" in w]


BOX = (32, 32, 32)


def box_and_ink(layer: TextLayer) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """(left, top, right, bottom) of the background box (its colour) and of the white glyph ink, in the layer."""
    rgba = pixels(layer)
    box = (np.abs(rgba[:, :, :3] - BOX).max(axis=2) <= 2) & (rgba[:, :, 3] == 255)
    ink = rgba[:, :, :3].min(axis=2) > 200

    def extent(mask: np.ndarray) -> tuple[int, int, int, int]:
        ys, xs = np.nonzero(mask)
        return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1

    return extent(box | ink), extent(ink)


def boxed(fonts: FontResolver, **fields: object) -> TextLayer:
    base = {"background_color": "#202020", "background_alpha": 1.0, "check_flag": 23, "background_style": 1}
    return render_text_layer(read_text(material("HH", **{**base, **fields})), CANVAS, fonts)


def test_background_padding_follows_width_and_height(fonts: FontResolver) -> None:
    """The box reaches background_width x em past the text sideways and background_height x em above/below."""
    em = em_pixels(10, CANVAS)
    narrow, wide = boxed(fonts, background_width=0.1, background_height=0.1), boxed(fonts, background_width=0.5)
    tall = boxed(fonts, background_width=0.1, background_height=0.6)
    (nl, nt, nr, nb), _ = box_and_ink(narrow)
    (wl, _, wr, _), _ = box_and_ink(wide)
    (_, tt, _, tb), _ = box_and_ink(tall)
    assert (wr - wl) - (nr - nl) == pytest.approx(2 * 0.4 * em, abs=2)
    assert (tb - tt) - (nb - nt) == pytest.approx(2 * 0.5 * em, abs=2)
    assert not any("not calibrated" in w for w in narrow.warnings)
    assert any("padding approximated" in w for w in narrow.warnings)


@pytest.mark.parametrize(("horizontal", "vertical"), [(0.5, 0.0), (-1.0, 0.0), (0.0, 0.6), (0.4, -0.8)])
def test_background_offsets_move_the_box_by_half_its_size(
    fonts: FontResolver, horizontal: float, vertical: float
) -> None:
    """Stored offsets (2v - 1, so 0 = centred): the box moves by offset / 2 of its own size, +x right, +y up,
    while the text stays where it was."""

    def box_centre_from_ink(layer: TextLayer) -> tuple[float, float, float, float]:
        rgba = pixels(layer)
        box = np.argwhere((np.abs(rgba[:, :, :3] - BOX).max(axis=2) <= 2) & (rgba[:, :, 3] == 255))
        ink = np.argwhere(rgba[:, :, :3].min(axis=2) > 200)
        (top, left), (bottom, right) = box.min(axis=0), box.max(axis=0) + 1
        dy, dx = (
            (top + bottom) / 2 - (ink[:, 0].min() + ink[:, 0].max() + 1) / 2,
            (left + right) / 2 - (ink[:, 1].min() + ink[:, 1].max() + 1) / 2,
        )
        return dx, dy, right - left, bottom - top

    dx0, dy0, width, height = box_centre_from_ink(boxed(fonts))
    moved = boxed(fonts, background_horizontal_offset=horizontal, background_vertical_offset=vertical)
    dx, dy, moved_width, moved_height = box_centre_from_ink(moved)
    assert (moved_width, moved_height) == pytest.approx((width, height), abs=1)
    assert dx - dx0 == pytest.approx(horizontal / 2 * width, abs=2)
    assert dy - dy0 == pytest.approx(-vertical / 2 * height, abs=2)  # +y up: image rows grow downwards


def test_background_radius_rounds_corners_up_to_a_pill(fonts: FontResolver) -> None:
    square, rounded, pill = (boxed(fonts, background_round_radius=r) for r in (0.0, 0.5, 1.0))
    for layer, corner_filled in ((square, True), (rounded, False), (pill, False)):
        (left, top, _, _), _ = box_and_ink(layer)
        assert (pixels(layer)[top, left, 3] == 255) == corner_filled
    (left, top, right, bottom), _ = box_and_ink(pill)
    half = (bottom - top) // 2
    row = pixels(pill)[top + half // 4, left:right, 3]  # near the top, a pill is narrower by its round ends
    filled = np.nonzero(row == 255)[0]
    assert filled[0] > half * 0.25


def test_background_needs_check_flag_16_as_in_the_app(fonts: FontResolver) -> None:
    plain = render_text_layer(read_text(material("HH", background_color="#202020", check_flag=7)), CANVAS, fonts)
    assert not (np.abs(pixels(plain)[:, :, :3] - BOX).max(axis=2) <= 2).any()
    assert not any("background" in w for w in plain.warnings)


def test_flat_shadow_direction_comes_from_the_apps_shadow_point(fonts: FontResolver) -> None:
    """An app-saved text: the shadow goes where shadow_point points (here up-left), whatever shadow_angle says."""
    fields = {"check_flag": 39, "has_shadow": True, "shadow_color": "#ff0000", "shadow_alpha": 1.0,
              "shadow_distance": 40.0, "shadow_smoothing": 0.0, "shadow_angle": -45.0,
              "shadow_point": {"x": -0.5, "y": 0.5}}  # fmt: skip
    layer = render_text_layer(read_text(material("影", **fields)), CANVAS, fonts)
    rgba = pixels(layer)
    red = (rgba[:, :, 0] > 200) & (rgba[:, :, 1] < 60)
    white = rgba[:, :, :3].min(axis=2) > 200
    (ry, rx), (wy, wx) = (np.argwhere(red).mean(axis=0), np.argwhere(white).mean(axis=0))
    em = em_pixels(10, CANVAS)
    step = 40 / 100 * em / np.sqrt(2)
    assert rx - wx == pytest.approx(-step, rel=0.25) and ry - wy == pytest.approx(-step, rel=0.25)
