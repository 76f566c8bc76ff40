"""Emoji in captions: real renders with the installed colour emoji font (Debian's fonts-noto-color-emoji), and
with font folders that lack it or hold broken files. Checked by the hues and places of the ink."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from capcut_mate.config import Settings as AppSettings
from capcut_mate.render.plan.text import read_text
from capcut_mate.render.text.fonts import FontResolver, is_colour, load_size, open_font
from capcut_mate.render.text.raster import LAYOUT, TextLayer, em_pixels, render_text_layer
from tests import servers
from tests.jobs.helpers import V1, poll, post
from tests.render.draftkit import Draft
from tests.render.helpers import render, rgb_frames

CANVAS = (1080, 1920)
EM = em_pixels(10, CANVAS)  # 67.5 px
CAPTION = "🔥✨👍😍 限时优惠 👨‍👩‍👧 🇨🇳 👋🏽"
KEYWORD = "限时优惠"
WHITE, GREEN, RED = [1.0, 1.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]


def style(start: int, end: int, color: list[float] = WHITE, size: float = 10, **extra: object) -> dict:
    fill = {"alpha": 1.0, "content": {"render_type": "solid", "solid": {"alpha": 1.0, "color": color}}}
    return {"range": [start, end], "size": size, "fill": fill, **extra}


def material(text: str, *styles: dict, **fields: object) -> dict:
    """A text material; ``styles`` after the first are keyword ranges (code-point offsets)."""
    return {"content": json.dumps({"text": text, "styles": list(styles) or [style(0, len(text))]}), **fields}


def with_green_keyword(text: str, **extra: object) -> dict:
    start = text.index(KEYWORD)
    return material(text, style(0, len(text), **extra), style(start, start + len(KEYWORD), GREEN, **extra))


def rgba(layer: TextLayer) -> np.ndarray:
    return np.asarray(layer.image.convert("RGBA"), dtype=np.int32)


def hue_bins(image: Image.Image, mask: np.ndarray | None = None, min_pixels: int = 150) -> set[int]:
    """15° hue bins with at least ``min_pixels`` opaque, saturated, not dark pixels (inside ``mask``)."""
    alpha = np.asarray(image.convert("RGBA"))[:, :, 3]
    hsv = np.asarray(image.convert("RGB").convert("HSV")).astype(int)
    chosen = (alpha > 200) & (hsv[:, :, 1] > 100) & (hsv[:, :, 2] > 80)
    if mask is not None:
        chosen &= mask
    counts = np.bincount(hsv[:, :, 0][chosen] * 24 // 256, minlength=24)
    return {int(b) for b in np.nonzero(counts >= min_pixels)[0]}


def green(layer: TextLayer) -> np.ndarray:
    """Pixels of the pure green keyword text (no emoji has this colour)."""
    pixels = rgba(layer)
    return (pixels[:, :, 3] > 200) & (pixels[:, :, 1] > 235) & (pixels[:, :, 0] < 30) & (pixels[:, :, 2] < 30)


def colourful(layer: TextLayer) -> np.ndarray:
    hsv = np.asarray(layer.image.convert("RGB").convert("HSV")).astype(int)
    return (rgba(layer)[:, :, 3] > 200) & (hsv[:, :, 1] > 100) & (hsv[:, :, 2] > 80) & ~green(layer)


def ink_columns(mask: np.ndarray) -> np.ndarray:
    return np.nonzero(mask.any(axis=0))[0]


def ink_rows(mask: np.ndarray) -> np.ndarray:
    return np.nonzero(mask.any(axis=1))[0]


def link_fonts(folder: Path, *names: str) -> Path:
    """A font folder holding links to some installed font files (by file name)."""
    folder.mkdir(parents=True, exist_ok=True)
    installed = {p.name: p for p in Path("/usr/share/fonts").rglob("*") if p.is_file()}
    for name in names:
        (folder / name).symlink_to(installed[name])
    return folder


@pytest.fixture(scope="module")
def fonts() -> FontResolver:
    resolver = FontResolver()
    face = resolver.colour_face_for("🔥")
    assert face is not None, "no colour emoji font installed: apt-get install fonts-noto-color-emoji"
    return resolver


@pytest.fixture
def no_emoji_fonts(tmp_path: Path) -> FontResolver:
    """Only the CJK font: installed fonts are not searched, as with CAPCUT_MATE_SYSTEM_FONTS=0."""
    return FontResolver(link_fonts(tmp_path / "fonts", "NotoSansCJK-Regular.ttc"), system_fonts=False)


def test_emoji_caption_is_drawn_in_colour_around_the_text(fonts: FontResolver) -> None:
    layer = render_text_layer(read_text(with_green_keyword(CAPTION)), CANVAS, fonts)
    assert layer.warnings == []  # no box, no monochrome emoji, nothing skipped
    text_x = ink_columns(green(layer))
    colour = colourful(layer)
    left, right = colour.copy(), colour.copy()
    left[:, text_x.min() :] = False
    right[:, : text_x.max() + 1] = False
    # 🔥✨👍😍 on the left, 🇨🇳 👋🏽 on the right: red, orange, yellow and pink inks, several distinct hues.
    assert len(hue_bins(layer.image, left)) >= 3, hue_bins(layer.image, left)
    assert len(hue_bins(layer.image, right)) >= 2, hue_bins(layer.image, right)
    assert len(hue_bins(layer.image)) >= 4


@pytest.mark.parametrize("sequence", ["👨‍👩‍👧", "🇨🇳", "👋🏽", "#️⃣", "❤️"])
def test_sequences_are_one_colour_glyph(fonts: FontResolver, sequence: str) -> None:
    """raqm shapes a ZWJ family, a flag, a skin tone, a keycap and a VS16 heart into one glyph each."""
    layer = render_text_layer(read_text(material(sequence)), CANVAS, fonts)
    assert layer.warnings == []
    columns = ink_columns(rgba(layer)[:, :, 3] > 128)
    assert 0.7 * EM < np.ptp(columns) < 1.3 * EM  # one glyph wide, not two or three
    assert np.ptp(ink_rows(rgba(layer)[:, :, 3] > 128)) < 1.3 * EM


def test_skin_tone_modifier_changes_the_colour(fonts: FontResolver) -> None:
    def mean_hue(text: str) -> float:
        layer = render_text_layer(read_text(material(text)), CANVAS, fonts)
        hsv = np.asarray(layer.image.convert("RGB").convert("HSV")).astype(float)
        return float(hsv[:, :, 0][colourful(layer)].mean())

    assert mean_hue("👋") - mean_hue("👋🏽") > 5  # yellow default hand vs medium skin tone (more red)


def test_text_stays_where_it_was(fonts: FontResolver) -> None:
    """The keyword's ink has the same shape and height on its own and between emoji: the line keeps the
    caption font's height, emoji sit on its baseline."""
    alone = render_text_layer(read_text(with_green_keyword(KEYWORD)), CANVAS, fonts)
    mixed = render_text_layer(read_text(with_green_keyword(CAPTION)), CANVAS, fonts)
    alone_rows, mixed_rows = ink_rows(green(alone)), ink_rows(green(mixed))
    assert mixed_rows.min() - mixed.anchor[1] == pytest.approx(alone_rows.min() - alone.anchor[1], abs=1)
    assert mixed_rows.max() - mixed.anchor[1] == pytest.approx(alone_rows.max() - alone.anchor[1], abs=1)
    assert np.ptp(ink_columns(green(mixed))) == pytest.approx(np.ptp(ink_columns(green(alone))), abs=1)
    # Emoji and text share a centre line: the emoji ink's middle is within 0.15 em of the text's.
    emoji_rows = ink_rows(colourful(mixed))
    assert (emoji_rows.min() + emoji_rows.max()) / 2 == pytest.approx(
        (mixed_rows.min() + mixed_rows.max()) / 2, abs=0.15 * EM
    )


def test_emoji_advance_matches_its_ink(fonts: FontResolver) -> None:
    """An emoji between two characters neither overlaps them nor leaves a hole: its advance fits its image."""
    text = "限🔥惠"
    layer = render_text_layer(
        read_text(material(text, style(0, 3), style(0, 1, GREEN), style(2, 3, GREEN))), CANVAS, fonts
    )
    text_x = ink_columns(green(layer))
    emoji_x = ink_columns(colourful(layer))
    gaps = np.diff(text_x)
    split = int(np.argmax(gaps))
    left_end, right_start = text_x[split], text_x[split + 1]
    assert left_end < emoji_x.min() and emoji_x.max() < right_start
    assert 0 < emoji_x.min() - left_end < 0.4 * EM
    assert 0 < right_start - emoji_x.max() < 0.4 * EM


def test_emoji_scale_with_the_text_size(fonts: FontResolver) -> None:
    """The bitmap font exists only at 109 px; its glyphs are scaled to every line size."""
    heights = {}
    for size in (4, 16):
        layer = render_text_layer(read_text(material("🔥", style(0, 1, size=size))), CANVAS, fonts)
        heights[size] = np.ptp(ink_rows(rgba(layer)[:, :, 3] > 128))
    assert heights[16] / heights[4] == pytest.approx(4, rel=0.1)


def test_bitmap_font_opens_at_its_strike_size(fonts: FontResolver) -> None:
    face = fonts.colour_face_for("🔥")
    assert face is not None and is_colour(*face)
    for size in (10, 67.5, 109, 300):
        assert load_size(*face, size) == 109  # Noto Color Emoji's only strike
        assert open_font(*face, size, LAYOUT).size == 109


def test_text_colour_keyword_and_stroke_do_not_repaint_emoji(fonts: FontResolver) -> None:
    """Red text, a red keyword over an emoji and a black stroke: the emoji keep their hues and get an outline."""
    stroke = {"content": {"solid": {"alpha": 1.0, "color": [0, 0, 0]}}, "width": 0.08}
    plain = render_text_layer(read_text(material("😍")), CANVAS, fonts)
    keyword = style(0, 1, RED, strokes=[stroke])
    painted = render_text_layer(read_text(material("😍", style(0, 1, RED, strokes=[stroke]), keyword)), CANVAS, fonts)
    assert hue_bins(painted.image) == hue_bins(plain.image)
    assert colourful(painted).sum() == pytest.approx(colourful(plain).sum(), rel=0.05)
    # The stroke outlines the emoji's silhouette: the ink grows by about width x em on each side, in black.
    grow = (painted.image.width - plain.image.width) / 2
    assert grow == pytest.approx(0.08 * EM, abs=2)
    pixels = rgba(painted)
    dark = (pixels[:, :, 3] > 200) & (pixels[:, :, :3].max(axis=2) < 40)
    assert dark.sum() > 0.8 * np.pi * 0.8 * EM * 0.08 * EM  # a ring of width x em around a ~0.8 em disc
    face_x = ink_columns(colourful(painted))
    dark_x = ink_columns(dark)
    assert dark_x.min() < face_x.min() and dark_x.max() > face_x.max()


def test_without_an_emoji_font_the_caption_renders_with_boxes_reported(no_emoji_fonts: FontResolver) -> None:
    layer = render_text_layer(read_text(with_green_keyword(CAPTION)), CANVAS, no_emoji_fonts)
    assert green(layer).sum() > 1000  # the Chinese text is still drawn
    boxes = next(w for w in layer.warnings if w.startswith("no installed font has a glyph"))
    assert all(f"U+{ord(ch):04X}" in boxes for ch in "🔥✨👍😍👨🇨👋")
    assert any("fonts-noto-color-emoji" in w for w in layer.warnings)


def test_broken_font_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    folder = link_fonts(tmp_path / "fonts", "NotoSansCJK-Regular.ttc", "NotoColorEmoji.ttf")
    (folder / "Broken.ttf").write_bytes(bytes(range(256)) * 40)
    (folder / "Empty.otf").write_bytes(b"")
    (folder / "Cut.ttf").write_bytes((folder / "NotoColorEmoji.ttf").read_bytes()[:4096])
    resolver = FontResolver(folder, system_fonts=False)
    text = CAPTION
    layer = render_text_layer(
        read_text(material(text, style(0, len(text), font={"path": "C:/Fonts/Broken.ttf"}))), CANVAS, resolver
    )
    assert any("'Broken.ttf' cannot be used" in w for w in layer.warnings)
    for name in ("Broken.ttf", "Empty.otf", "Cut.ttf"):
        assert sum(f"font file {name} skipped" in w for w in layer.warnings) == 1, layer.warnings
    assert not any("glyph" in w for w in layer.warnings)
    assert len(hue_bins(layer.image)) >= 4  # the emoji font in the same folder still draws in colour
    again = render_text_layer(read_text(material("🔥好")), CANVAS, resolver)
    assert not any("skipped" in w for w in again.warnings)  # reported once per render, not per caption


def test_colour_font_found_without_fontconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No fc-list on PATH: the usual font folders are scanned by file name, and the emoji font is found there."""
    monkeypatch.setenv("PATH", str(tmp_path))
    layer = render_text_layer(read_text(with_green_keyword(CAPTION)), CANVAS, FontResolver())
    assert layer.warnings == []
    assert len(hue_bins(layer.image)) >= 4


POOL = ["🔥", "✨", "👍", "😍", "👨‍👩‍👧", "🇨🇳", "👋🏽", "#️⃣", "❤️", "限", "时", "优", "惠", "a", "Q", "é", " ", "，", "!"]


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pieces=st.lists(st.sampled_from(POOL), min_size=1, max_size=12),
    size=st.floats(min_value=1, max_value=30),
    letter_spacing=st.sampled_from([0.0, 0.1]),
    wrap=st.sampled_from([None, 0.3]),
    newline=st.booleans(),
)
def test_any_mix_of_emoji_cjk_and_latin_renders(
    fonts: FontResolver, pieces: list[str], size: float, letter_spacing: float, wrap: float | None, newline: bool
) -> None:
    text = "".join(pieces[: len(pieces) // 2]) + ("\n" if newline else "") + "".join(pieces[len(pieces) // 2 :])
    fields: dict[str, object] = {"letter_spacing": letter_spacing}
    if wrap:
        fields.update(type="subtitle", line_max_width=wrap)
    layer = render_text_layer(read_text(material(text, style(0, len(text), size=size), **fields)), CANVAS, fonts)
    assert layer.image.mode == "RGBA"
    assert not any("glyph" in w or "skipped" in w for w in layer.warnings), layer.warnings
    if any(piece in ("🔥", "😍", "🇨🇳") for piece in pieces) and size >= 4:
        assert hue_bins(layer.image, min_pixels=5)  # some emoji colour survives at every size


def test_draft_render_shows_emoji_in_colour(media_dir: Path, tmp_path: Path) -> None:
    """Through the whole render path: caption over a blue clip, decoded from the MP4."""
    draft = Draft()
    draft.video(draft.track("video"), media_dir / "blue.mp4", 0, 500_000)
    caption = draft.text(draft.track("text"), CAPTION, 0, 500_000)
    caption["clip"]["scale"] = {"x": 2.0, "y": 2.0}
    report = render(draft.doc, media_dir, tmp_path / "out.mp4", preset="ultrafast")
    assert not any("glyph" in w["message"] or "colour" in w["message"] for w in report.warnings), report.warnings
    frame = rgb_frames(tmp_path / "out.mp4")[5].astype(np.uint8)
    image = Image.fromarray(frame)
    not_blue = ~((frame[:, :, 2] > 150) & (frame[:, :, 0] < 80))
    assert len(hue_bins(image, not_blue, min_pixels=20)) >= 3


def render_caption_over_http(settings: AppSettings, tmp_path: Path) -> tuple[np.ndarray, list[dict]]:
    """add_captions + gen_video on a running service; the MP4's middle frame and the report's warnings."""
    with servers.api_server(settings) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
        captions = json.dumps([{"text": CAPTION, "start": 0, "end": 400_000}])
        post(client, "add_captions", {"draft_url": url, "captions": captions, "font_size": 15})
        post(client, "gen_video", {"draft_url": url})
        final = poll(client, url)[-1]
        assert final["status"] == "completed", final
        (tmp_path / "out.mp4").write_bytes(client.get(final["video_url"]).content)
        report = client.get(f"{V1}/gen_video_report", params={"draft_url": url}).json()["report"]
    frames = rgb_frames(tmp_path / "out.mp4")
    return frames[len(frames) // 2].astype(np.uint8), report["warnings"]


def test_add_captions_and_gen_video_draw_emoji_in_colour(settings: AppSettings, tmp_path: Path) -> None:
    frame, warnings = render_caption_over_http(settings, tmp_path)
    assert not any("glyph" in w["message"] or "colour" in w["message"] for w in warnings), warnings
    assert len(hue_bins(Image.fromarray(frame), min_pixels=10)) >= 3


def test_gen_video_without_an_emoji_font_completes_and_reports_boxes(settings: AppSettings, tmp_path: Path) -> None:
    fonts_only_cjk = settings.model_copy(
        update={"font_dir": link_fonts(tmp_path / "fonts", "NotoSansCJK-Regular.ttc"), "system_fonts": False}
    )
    frame, warnings = render_caption_over_http(fonts_only_cjk, tmp_path)
    assert any("U+1F525" in w["message"] and w["feature"] == "text" for w in warnings), warnings
    assert (frame.min(axis=2) > 200).sum() > 100  # the white text (and white boxes) are there
    assert not hue_bins(Image.fromarray(frame), min_pixels=10)  # nothing in colour
