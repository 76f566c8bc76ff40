"""A draft's text material (an item of ``materials.texts``) read once into a typed `TextBlock`.

The plan carries the block; text/raster.py draws it and never sees the draft's dict. Reading resolves every
style the app's content JSON and flat fields define (later ranges win, flat fields fill what a style leaves
out) into runs of one style each, and notes what the renderer will not reproduce.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_SIZE = 15.0  # the app's default text size
CHECK_STROKE, CHECK_BACKGROUND, CHECK_SHADOW, CHECK_GLOW = 8, 16, 32, 64
# Material features drawn by the app that this renderer does not reproduce: field -> warning.
UNSUPPORTED_FIELDS = {
    "text_preset_resource_id": "text preset (花字/style preset) not reproduced",
    "text_curve": "curved text not reproduced, drawn straight",
    "enable_path_typesetting": "text on a path not reproduced, drawn straight",
}

RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class Stroke:
    """An outline around the glyphs."""

    color: RGBA
    width: float  # em fraction, outline radius


@dataclass(frozen=True)
class Shadow:
    """A drop shadow of the glyphs (and their outline)."""

    color: RGBA
    angle: float  # degrees, -45 = down-right
    distance: float  # UI units, px = distance / 100 x em
    diffuse: float  # blur sigma in em


@dataclass(frozen=True)
class TextStyle:
    """How a run of characters looks."""

    size: float
    color: RGBA
    bold: bool
    italic: bool
    underline: bool
    stroke: Stroke | None
    shadow: Shadow | None
    font: tuple[tuple[str, str], ...]  # the style's font reference, hashable


@dataclass(frozen=True)
class TextRun:
    """Consecutive characters (newlines included) drawn in one style."""

    text: str
    style: TextStyle


@dataclass(frozen=True)
class TextBox:
    """The background box behind the text (see `_box` for where each rule comes from)."""

    color: RGBA
    reach_x: float  # how far the box reaches past the text on each side, in em
    reach_y: float
    radius: float  # fraction of half the box's shorter side
    offset_x: float  # fraction of the box size, +x right
    offset_y: float  # fraction of the box size, +y up
    style: int


@dataclass(frozen=True)
class SpokenWord:
    """One word of a karaoke caption: its characters [start, end) in the text and when it is spoken, in µs
    from the caption's start."""

    start: int
    end: int
    start_us: int
    end_us: int


@dataclass(frozen=True)
class Karaoke:
    """The app's karaoke fields: the word being spoken turns `color` (``ktv_color``) while the rest keep
    their own colour."""

    color: RGBA
    words: tuple[SpokenWord, ...]


@dataclass(frozen=True)
class TextBlock:
    """Everything text/raster.py draws: the styled runs, their layout and the box around them.

    `wrap` is a subtitle's line width as a share of the canvas width (None: lines break only at newlines);
    `notes` are what the app draws and the renderer does not reproduce, said once each.
    """

    runs: tuple[TextRun, ...]
    letter_spacing: float = 0.0
    line_spacing: float = 0.02
    alignment: int = 1  # 0 left, 1 centre, 2 right
    wrap: float | None = None
    vertical: bool = False
    box: TextBox | None = None
    global_alpha: float = 1.0
    underline_offset: float = 0.22
    underline_width: float = 0.05
    notes: tuple[str, ...] = ()
    karaoke: Karaoke | None = None

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    def highlighted(self, word: SpokenWord | None) -> TextBlock:
        """The block as drawn while `word` is spoken (None: between words): that word's characters in the
        karaoke colour, the rest as styled. The layout is the same for every word (colour moves no glyph)."""
        if self.karaoke is None:
            return self
        colour = self.karaoke.color
        chars: list[tuple[str, TextStyle]] = []
        for run in self.runs:
            chars += [(ch, run.style) for ch in run.text]
        if word is not None:
            for i in range(word.start, word.end):
                chars[i] = (chars[i][0], dataclasses.replace(chars[i][1], color=colour))
        return dataclasses.replace(self, runs=_runs(chars), karaoke=None)


def read_text(material: dict[str, Any]) -> TextBlock:
    """The block a text material describes."""
    notes: list[str] = []
    text, char_styles = _parse_content(material, notes)
    _warn_unsupported(material, notes)
    karaoke = _karaoke(material, text)
    if karaoke is None and (material.get("words") or {}).get("text"):
        notes.append("karaoke word timing not reproduced (words do not match the text's styles): whole text drawn")
    return TextBlock(
        runs=_runs(list(zip(text, char_styles, strict=True))),
        letter_spacing=float(material.get("letter_spacing") or 0.0),
        line_spacing=float(material.get("line_spacing", 0.02) or 0.0),
        alignment=int(material.get("alignment", 1) or 0),
        wrap=float(material.get("line_max_width") or 0.82) if material.get("type") == "subtitle" else None,
        vertical=material.get("typesetting") == 1,
        box=_box(material),
        global_alpha=max(0.0, min(1.0, float(material.get("global_alpha", 1.0)))),
        underline_offset=float(material.get("underline_offset", 0.22)),
        underline_width=float(material.get("underline_width", 0.05)),
        notes=tuple(notes),
        karaoke=karaoke,
    )


def _runs(chars: list[tuple[str, TextStyle]]) -> tuple[TextRun, ...]:
    """Characters with their styles -> runs of one style each."""
    return tuple(
        TextRun("".join(ch for ch, _ in group), style) for style, group in itertools.groupby(chars, key=lambda p: p[1])
    )


def _karaoke(material: dict[str, Any], text: str) -> Karaoke | None:
    """The karaoke fields add_narration writes (drafts/narration.py): `ktv_color`, one content style range per
    word and `words` = {text, start_time, end_time} in ms from the caption's start. None when they are absent
    or do not fit together (a word count unlike the ranges', a time that is not a number)."""
    words = material.get("words") or {}
    colour = _color(material.get("ktv_color") or "")
    if colour is None or not isinstance(words, dict) or not words.get("text"):
        return None
    try:
        raw = material.get("content") or ""
        content = json.loads(raw) if isinstance(raw, str) else raw
        styles = [s for s in content.get("styles") or [] if isinstance(s, dict)]
        starts = [int(t) * 1000 for t in words["start_time"]]
        ends = [int(t) * 1000 for t in words["end_time"]]
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    if not len(styles) == len(starts) == len(ends) == len(words["text"]):
        return None
    to_index = range_to_index(text, styles)
    spans = [style_range(style, len(text)) for style in styles]
    return Karaoke(
        colour,
        tuple(
            SpokenWord(to_index(a), to_index(b), start, max(start, end))
            for (a, b), start, end in zip(spans, starts, ends, strict=True)
        ),
    )


def _parse_content(material: dict[str, Any], warnings: list[str]) -> tuple[str, list[TextStyle]]:
    """The text and one resolved style per character (later styles win where ranges overlap)."""
    raw = material.get("content") or ""
    try:
        content = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        content = {"text": raw, "styles": []}
    if not isinstance(content, dict):
        content = {"text": str(raw), "styles": []}
    text = str(content.get("text") or "").replace("\r\n", "\n").replace("\r", "\n")
    styles = [s for s in content.get("styles") or [] if isinstance(s, dict)]
    base = _resolve_style(styles[0] if styles else {}, material, warnings)
    per_char = [base] * len(text)
    to_index = range_to_index(text, styles)
    for raw_style in styles:
        start, end = style_range(raw_style, len(text))
        resolved = _resolve_style(raw_style, material, warnings)
        for i in range(to_index(start), to_index(end)):
            per_char[i] = resolved
    return text, per_char


def style_range(style: dict[str, Any], length: int) -> tuple[int, int]:
    """A style's [start, end) as written (a list or a {start, end} dict); none, or not numbers, is the whole text."""
    value = style.get("range")
    try:
        if isinstance(value, dict):
            return int(value.get("start") or 0), int(value.get("end", length))
        if isinstance(value, list | tuple) and len(value) == 2:
            return int(value[0]), int(value[1])
    except (TypeError, ValueError):
        pass
    return 0, length


def ranges_count_utf16(text: str, styles: list[dict[str, Any]]) -> bool:
    """Whether the styles' ranges count UTF-16 units rather than code points.

    pyJianYingDraft counts code points; the app counts UTF-16 units (differs only for astral characters such
    as emoji). Offsets are read as UTF-16 when any range ends past the code-point length but within the
    UTF-16 length; capcut-mate's 2x "byte" lengths just clamp.
    """
    utf16_length = len(text.encode("utf-16-le")) // 2
    ends = [style_range(style, len(text))[1] for style in styles]
    return utf16_length != len(text) and any(len(text) < end <= utf16_length for end in ends)


def unit_starts(text: str, utf16: bool) -> list[int]:
    """The range offset at which each character starts, and the text's end, in code points or UTF-16 units."""
    return list(itertools.accumulate((2 if utf16 and ord(ch) > 0xFFFF else 1 for ch in text), initial=0))


def range_to_index(text: str, styles: list[dict[str, Any]]) -> Callable[[int], int]:
    """Maps a range offset to a clamped code-point index."""
    starts = unit_starts(text, ranges_count_utf16(text, styles))
    return lambda offset: min(bisect.bisect_left(starts, offset), len(text))


def _color(rgb: object, alpha: float = 1.0) -> RGBA | None:
    """A [r, g, b] float colour (0..1) or a '#RRGGBB' string as RGBA bytes."""
    if isinstance(rgb, str):
        value = rgb.lstrip("#")
        if len(value) != 6:
            return None
        channels = [int(value[i : i + 2], 16) for i in (0, 2, 4)]
    elif isinstance(rgb, list | tuple) and len(rgb) >= 3:
        channels = [round(max(0.0, min(1.0, float(c))) * 255) for c in rgb[:3]]
    else:
        return None
    return (*channels, round(max(0.0, min(1.0, alpha)) * 255))  # type: ignore[return-value]


def _solid(paint: dict[str, Any]) -> tuple[object, float]:
    """Colour and alpha of a {alpha, content: {solid: {alpha, color}}} paint."""
    solid = (paint.get("content") or {}).get("solid") or {}
    alpha = float(paint.get("alpha", 1.0)) * float(solid.get("alpha", 1.0))
    return solid.get("color"), alpha


def _resolve_style(style: dict[str, Any], material: dict[str, Any], warnings: list[str]) -> TextStyle:
    """A style from the content JSON, completed by the material's flat fields where the style is silent."""
    check_flag = int(material.get("check_flag") or 0)
    fill = style.get("fill") or {}
    render_type = (fill.get("content") or {}).get("render_type", "solid")
    if render_type != "solid":
        _warn_once(warnings, f"{render_type} text fill drawn as a solid colour")
    color_value, alpha = _solid(fill)
    color = (
        _color(color_value, alpha)
        or _color(material.get("text_color") or "", float(material.get("text_alpha", 1.0)))
        or (255, 255, 255, 255)
    )

    stroke = None
    if style.get("strokes"):
        if len(style["strokes"]) > 1:
            _warn_once(warnings, "multiple text strokes: only the first is drawn")
        first = style["strokes"][0]
        stroke_color = _color(*_solid(first))
        if stroke_color and float(first.get("width") or 0) > 0:
            stroke = Stroke(stroke_color, float(first["width"]))
    elif check_flag & CHECK_STROKE and material.get("border_color"):
        stroke_color = _color(material["border_color"], float(material.get("border_alpha", 1.0)))
        if stroke_color:
            stroke = Stroke(stroke_color, float(material.get("border_width") or 0.08))

    shadow = None
    if style.get("shadows"):
        if len(style["shadows"]) > 1:
            _warn_once(warnings, "multiple text shadows: only the first is drawn")
        first = style["shadows"][0]
        rgb, solid_alpha = _solid(first)
        shadow_color = _color(rgb or [0, 0, 0], solid_alpha * float(first.get("alpha", 1.0)))
        if shadow_color:
            shadow = Shadow(
                shadow_color,
                float(first.get("angle", -45.0)),
                float(first.get("distance", 5.0)),
                float(first.get("diffuse", 0.0)),
            )
    elif (material.get("has_shadow") or check_flag & CHECK_SHADOW) and material.get("shadow_color"):
        shadow_color = _color(material["shadow_color"], float(material.get("shadow_alpha", 0.9)))
        if shadow_color:
            shadow = Shadow(
                shadow_color,
                _flat_shadow_angle(material),
                float(material.get("shadow_distance", 5.0)),
                float(material.get("shadow_smoothing", 0.0)) / 6,
            )

    font = style.get("font") or {
        "path": material.get("font_path") or "",
        "id": material.get("font_resource_id") or "",
        "title": material.get("font_title") or "",
    }
    return TextStyle(
        size=float(style.get("size") or material.get("font_size") or DEFAULT_SIZE),
        color=color,
        bold=bool(style.get("bold", False)),
        italic=bool(style.get("italic", bool(material.get("italic_degree")))),
        underline=bool(style.get("underline", material.get("underline", False))),
        stroke=stroke,
        shadow=shadow,
        font=tuple(sorted((str(k), str(v)) for k, v in font.items() if isinstance(v, str | int))),
    )


def _flat_shadow_angle(material: dict[str, Any]) -> float:
    """The shadow's direction from the app's flat fields: its own ``shadow_point`` vector when it has one.

    The app stores, beside ``shadow_angle`` and ``shadow_distance``, the offset it computed from them: a CapCut
    7.9 draft (shared/calibration) has angle -45, distance 5 and point (0.636, -0.636) = 0.18 x distance x
    (cos a, sin a), +y up like every draft position. The point is what the app draws with, so its direction
    wins over an angle edited by hand; its length is in an unmeasured unit, so the distance keeps the length.
    """
    point = material.get("shadow_point") or {}
    x, y = float(point.get("x") or 0.0), float(point.get("y") or 0.0)
    if x or y:
        return math.degrees(math.atan2(y, x))
    return float(material.get("shadow_angle", -45.0))


def _warn_unsupported(material: dict[str, Any], warnings: list[str]) -> None:
    raw = material.get("content")
    if isinstance(raw, str) and '"effectStyle"' in raw:
        warnings.append("花字 (effectStyle) not reproduced: plain styled text drawn")
    for key, message in UNSUPPORTED_FIELDS.items():
        if material.get(key):
            warnings.append(message)
    if ((material.get("caption_template_info") or {}).get("resource_id")) or (
        (material.get("combo_info") or {}).get("text_templates")
    ):
        warnings.append("caption/text template not reproduced")
    if int(material.get("check_flag") or 0) & CHECK_GLOW:
        warnings.append("text glow not reproduced")


def _warn_once(warnings: list[str], message: str) -> None:
    if message not in warnings:
        warnings.append(message)


def _box(material: dict[str, Any]) -> TextBox | None:
    """The text background box, as the app's fields define it.

    Rules and their sources (the app's own render of a background is not in the calibration draft):
    - drawn only with ``check_flag`` bit 16 and a ``background_color``: the app ignores the background fields
      without the bit (pyJianYingDraft issue #68: "check_flag must be 19 or it does not show"), and an app-saved
      text without a background keeps them with an empty colour (shared/calibration);
    - opacity ``background_alpha`` 0..1 = the panel's 0..100 % (pyJianYingDraft `TextBackground`);
    - ``background_round_radius`` 0..1 = the panel's 0..100: 1 rounds the corners into a pill, so the radius is
      that share of half the box's shorter side;
    - ``background_horizontal_offset`` / ``background_vertical_offset`` are the panel's 0..1 stored as 2v - 1
      (pyJianYingDraft), 0 = centred on the text; ±1 moves the box by half its size, +x right, +y up like every
      draft position;
    - ``background_width`` / ``background_height`` 0..1 (default 0.14, pyJianYingDraft) = how far the box reaches
      past the text on each side, as a share of the em. The panel range and default are the app's; the scale
      (em) is ours, and is reported as approximate.
    """
    check_flag = material.get("check_flag")
    if check_flag is not None and not int(check_flag) & CHECK_BACKGROUND:
        return None
    color = _color(material.get("background_color") or "", float(material.get("background_alpha", 1.0)))
    if color is None or color[3] == 0:
        return None
    return TextBox(
        color,
        float(material.get("background_width", 0.14)),
        float(material.get("background_height", 0.14)),
        max(0.0, min(1.0, float(material.get("background_round_radius", 0.0)))),
        max(-1.0, min(1.0, float(material.get("background_horizontal_offset", 0.0)))) / 2,
        max(-1.0, min(1.0, float(material.get("background_vertical_offset", 0.0)))) / 2,
        int(material.get("background_style") or 1),
    )
