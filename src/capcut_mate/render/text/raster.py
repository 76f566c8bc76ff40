"""Rasterise one text material (an item of ``materials.texts``) into a tight RGBA layer with Pillow.

The caller places the layer so that ``TextLayer.anchor`` lands on the clip's transform position; everything
the app draws around the glyphs (stroke, shadow, background box) is inside the image.

Text size rule (calibrated on two real app exports)::

    em_px = size * min(W / 160, H / 128) * clip.scale

i.e. the font size unit is 1/160 of the width of a 5:4 reference frame contain-fitted into the canvas.
- 1080x1920 portrait (third-party measurement): min(6.75, 15.0) = 6.75 px/unit, size 10 -> 67.5 px. Exact.
- 1920x1013 landscape (``shared/calibration``, CapCut 7.9): min(12.0, 7.914) = 7.914 px/unit. Measured on
  the app's render: Poppins size 10 -> 79.0-79.5 px em (predicted 79.1); KFGQPC Arabic size 14 -> ~106.6 px
  em from its ink width (predicted 110.8, -4 %, the shaped Arabic line is the less precise measurement).
No rule symmetric in width and height can fit both: the landscape canvas has the same long side and a smaller
short side than the portrait one, yet bigger text. A width-only rule (W/160) predicts 12 px/unit there.

Line layout (same calibration): lines are stacked at the fonts' own line height (hhea ascent + descent)
plus ``line_spacing`` x em between lines (Poppins: 1.40 em + 0.02 em = 112.4 px pitch, measured 113 +- 1.3 px);
the text box spans from the first line's ascent to the last line's descent and its centre is the anchor
(measured centre within 1 px of the transform position); trailing spaces count in a line's width (the app
centres "Mehribon va rahmli " with its trailing space). Emoji are drawn by `capcut_mate.render.text.emoji` with their
own colours; they sit on the baseline at the colour font's advance, and the line's height stays that of the
caption's font, so adding an emoji never moves the text around it. Stroke geometry follows spec/DRAFT_FORMAT.md
§3.3 (stroke radius = width x em). Shadows and background boxes: see `_shadow_offset` and `_background`, which
name the source of each rule.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import math
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, features

from capcut_mate.render.text import emoji
from capcut_mate.render.text.fonts import (
    FontFace,
    FontFileError,
    FontResolver,
    covers,
    face_kind,
    is_bold_face,
    is_colour,
    load_scale,
    open_font,
)

EM_WIDTH_DIVISOR = 160.0
EM_HEIGHT_DIVISOR = 128.0
DEFAULT_SIZE = 15.0  # the app's default text size
ITALIC_SHEAR = math.tan(math.radians(12))
SYNTHETIC_BOLD_EM = 0.025  # outline radius that emboldens a regular face
SUBSTITUTED_LISTED = 8  # code points a fallback warning lists
CHECK_STROKE, CHECK_BACKGROUND, CHECK_SHADOW, CHECK_GLOW = 8, 16, 32, 64
HAS_RAQM = features.check("raqm")
LAYOUT = ImageFont.Layout.RAQM if HAS_RAQM else ImageFont.Layout.BASIC
# Punctuation that must not start / end a wrapped line (basic kinsoku).
NO_LINE_START = set("，。、！？；：）」』】〉》〕…’”,.!?;:)]}%")
NO_LINE_END = set("（「『【〈《〔‘“([{")
# Material features drawn by the app that this renderer does not reproduce: field -> warning.
UNSUPPORTED_FIELDS = {
    "text_preset_resource_id": "text preset (花字/style preset) not reproduced",
    "text_curve": "curved text not reproduced, drawn straight",
    "enable_path_typesetting": "text on a path not reproduced, drawn straight",
}

RGBA = tuple[int, int, int, int]
K = TypeVar("K", bound=Hashable)


@dataclass
class TextLayer:
    """One rendered text material."""

    image: Image.Image  # RGBA, straight alpha, tight around text + stroke + shadow + background box
    anchor: tuple[float, float]  # pixel in `image` of the text box centre (placed at the clip position)
    warnings: list[str] = field(default_factory=list)  # what could not be reproduced


@dataclass(frozen=True)
class _Stroke:
    color: RGBA
    width: float  # em fraction, outline radius


@dataclass(frozen=True)
class _Shadow:
    color: RGBA
    angle: float  # degrees, -45 = down-right
    distance: float  # UI units, px = distance / 100 x em
    diffuse: float  # blur sigma in em


@dataclass(frozen=True)
class _Style:
    size: float
    color: RGBA
    bold: bool
    italic: bool
    underline: bool
    stroke: _Stroke | None
    shadow: _Shadow | None
    font: tuple[tuple[str, str], ...]  # the style's font reference, hashable


@dataclass(frozen=True)
class _Run:
    """Characters drawn with one style and one face."""

    text: str
    style: _Style
    face: FontFace
    font: ImageFont.FreeTypeFont  # opened at the face's load size: ``em`` / ``scale``
    em: float
    embolden: float  # synthetic bold outline radius in px (0 when the face is bold)
    scale: float  # from the font's pixels to the line's (1.0 unless the face only exists at fixed sizes)
    image: bool  # drawn as an image with its own colours (colour or fixed-size face), not as a painted mask
    metrics: tuple[float, float]  # (ascent, descent) in px that the run gives its line


@dataclass(frozen=True)
class _Placed:
    run: _Run
    x: float
    baseline: float
    width: float


def em_pixels(size: float, canvas_size: tuple[int, int], scale: float = 1.0) -> float:
    """Em size in pixels of a text style ``size`` on a canvas (see the module docstring for the rule)."""
    width, height = canvas_size
    return size * min(width / EM_WIDTH_DIVISOR, height / EM_HEIGHT_DIVISOR) * scale


def render_text_layer(
    material: dict, canvas_size: tuple[int, int], fonts: FontResolver, scale: float = 1.0
) -> TextLayer:
    """Render a text material at ``scale`` (the segment's clip.scale.x) for a canvas of ``canvas_size``."""
    warnings: list[str] = []
    text, char_styles = _parse_content(material, warnings)
    _warn_unsupported(material, warnings)
    faces = _Faces(fonts, canvas_size, scale, warnings)
    letter_spacing = float(material.get("letter_spacing") or 0.0)
    if letter_spacing and any(_is_complex(ch) for ch in text):
        warnings.append("letter spacing breaks glyph shaping: complex-script text drawn letter by letter")
    if not HAS_RAQM and any(_is_complex(ch) for ch in text):
        warnings.append("Pillow lacks libraqm: Arabic/complex text drawn without shaping or bidi")

    wrap_width = None
    if material.get("type") == "subtitle":
        wrap_width = float(material.get("line_max_width") or 0.82) * canvas_size[0] * scale
    vertical = material.get("typesetting") == 1
    if vertical:
        warnings.append("vertical typesetting approximated: one character per line, one column")
    lines = _layout_lines(text, char_styles, faces, letter_spacing, wrap_width, vertical)
    faces.finish()
    return _draw(material, lines, warnings)


# --- content and styles ------------------------------------------------------------------------------


def _parse_content(material: dict, warnings: list[str]) -> tuple[str, list[_Style]]:
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


def style_range(style: dict, length: int) -> tuple[int, int]:
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


def ranges_count_utf16(text: str, styles: list[dict]) -> bool:
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


def range_to_index(text: str, styles: list[dict]) -> Callable[[int], int]:
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


def _solid(paint: dict) -> tuple[object, float]:
    """Colour and alpha of a {alpha, content: {solid: {alpha, color}}} paint."""
    solid = (paint.get("content") or {}).get("solid") or {}
    alpha = float(paint.get("alpha", 1.0)) * float(solid.get("alpha", 1.0))
    return solid.get("color"), alpha


def _resolve_style(style: dict, material: dict, warnings: list[str]) -> _Style:
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
            stroke = _Stroke(stroke_color, float(first["width"]))
    elif check_flag & CHECK_STROKE and material.get("border_color"):
        stroke_color = _color(material["border_color"], float(material.get("border_alpha", 1.0)))
        if stroke_color:
            stroke = _Stroke(stroke_color, float(material.get("border_width") or 0.08))

    shadow = None
    if style.get("shadows"):
        if len(style["shadows"]) > 1:
            _warn_once(warnings, "multiple text shadows: only the first is drawn")
        first = style["shadows"][0]
        rgb, solid_alpha = _solid(first)
        shadow_color = _color(rgb or [0, 0, 0], solid_alpha * float(first.get("alpha", 1.0)))
        if shadow_color:
            shadow = _Shadow(
                shadow_color,
                float(first.get("angle", -45.0)),
                float(first.get("distance", 5.0)),
                float(first.get("diffuse", 0.0)),
            )
    elif (material.get("has_shadow") or check_flag & CHECK_SHADOW) and material.get("shadow_color"):
        shadow_color = _color(material["shadow_color"], float(material.get("shadow_alpha", 0.9)))
        if shadow_color:
            shadow = _Shadow(
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
    return _Style(
        size=float(style.get("size") or material.get("font_size") or DEFAULT_SIZE),
        color=color,
        bold=bool(style.get("bold", False)),
        italic=bool(style.get("italic", bool(material.get("italic_degree")))),
        underline=bool(style.get("underline", material.get("underline", False))),
        stroke=stroke,
        shadow=shadow,
        font=tuple(sorted((str(k), str(v)) for k, v in font.items() if isinstance(v, str | int))),
    )


def _flat_shadow_angle(material: dict) -> float:
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


def _warn_unsupported(material: dict, warnings: list[str]) -> None:
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
    if (material.get("words") or {}).get("text"):
        warnings.append("karaoke word timing not reproduced: whole text drawn")


def _warn_once(warnings: list[str], message: str) -> None:
    if message not in warnings:
        warnings.append(message)


def _is_complex(char: str) -> bool:
    """Scripts that need shaping or right-to-left layout (Arabic, Hebrew, Indic, Thai...)."""
    code = ord(char)
    return 0x0590 <= code <= 0x0EFF or 0xFB1D <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFC  # not FE00-FE6F


def _is_rtl(text: str) -> bool:
    """Base direction of a paragraph: that of its first strong character."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


# --- fonts and runs ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _length(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text)


class _Faces:
    """Chooses the face for each grapheme cluster of a style and builds runs, collecting font warnings."""

    def __init__(self, fonts: FontResolver, canvas_size: tuple[int, int], scale: float, warnings: list[str]) -> None:
        self.fonts = fonts
        self.canvas_size = canvas_size
        self.scale = scale
        self.warnings = warnings
        self.missing: list[str] = []  # code points drawn as boxes
        self.colourless: list[str] = []  # emoji no colour font has
        self.substituted: dict[tuple[str, str], list[str]] = {}  # (font, fallback drawing for it) -> code points

    def primary(self, style: _Style) -> FontFace:
        path, index, font_warnings = self.fonts.font_for(dict(style.font), bold=style.bold)
        for message in font_warnings:
            _warn_once(self.warnings, message)
        return path, index

    def face_for(self, cluster: str, style: _Style) -> FontFace:
        """Emoji: a colour face first. Text: the style's face when it has every glyph, else the first that can."""
        primary = self.primary(style)
        base = cluster[0]
        if emoji.is_emoji(cluster):
            colour = primary if is_colour(*primary) and covers(*primary, base) else self.fonts.colour_face_for(base)
            if colour is not None:
                return colour
            _add_once(self.colourless, f"U+{ord(base):04X}")
        if all(covers(*primary, ch) for ch in cluster):
            return primary
        fallback = self.fonts.fallback_for(base, style.bold)
        if fallback is None:
            _add_once(self.missing, f"U+{ord(base):04X}")
            return primary
        if any(dict(style.font).values()):  # the draft chose this font: say where its glyphs came from instead
            lacking = next((ch for ch in cluster if not covers(*primary, ch)), base)
            _add_once(self.substituted.setdefault((primary[0].name, fallback[0].name), []), f"U+{ord(lacking):04X}")
        return fallback

    def run(self, text: str, style: _Style, face: FontFace) -> _Run:
        em = max(1.0, em_pixels(style.size, self.canvas_size, self.scale))
        try:
            font = open_font(face[0], face[1], em, LAYOUT)
        except FontFileError as exc:
            fallback = self.fonts.fallback(style.bold)
            _warn_once(
                self.warnings, f"font file {face[0].name} cannot be used at {em:.0f} px ({exc}); used the default"
            )
            face, font = fallback, open_font(*fallback, em, LAYOUT)
        scale = load_scale(face[0], face[1], em)
        image = is_colour(*face) or bool(face_kind(*face).strikes)
        embolden = 0.0 if image or not style.bold or is_bold_face(*face) else SYNTHETIC_BOLD_EM * em
        primary = self.primary(style)
        if image and face != primary:
            metrics = self.run(" ", style, primary).metrics  # the caption's font sets the line height
        else:
            ascent, descent = font.getmetrics()
            metrics = (ascent * scale, descent * scale)
        return _Run(text, style, face, font, em, embolden, scale, image, metrics)

    def finish(self) -> None:
        """Report what the fonts could not do, once per text, then the resolver's skipped files."""
        if self.colourless:
            self.warnings.append(
                f"no colour emoji font has {', '.join(self.colourless)}: emoji drawn without colour (install "
                "fonts-noto-color-emoji or put a colour emoji font in CAPCUT_MATE_FONT_DIR)"
            )
        if self.missing:
            self.warnings.append(f"no installed font has a glyph for {', '.join(self.missing)}: drawn as boxes")
        for (font, fallback), points in self.substituted.items():
            listed = ", ".join(points[:SUBSTITUTED_LISTED]) + (", …" if len(points) > SUBSTITUTED_LISTED else "")
            self.warnings.append(f"font {font} has no {listed}: drawn with {fallback}, as the app falls back")
        for message in self.fonts.take_warnings():
            _warn_once(self.warnings, message)


def _add_once(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


# --- line layout -------------------------------------------------------------------------------------


@dataclass
class _Line:
    runs: list[_Run]
    rtl: bool
    height_run: _Run  # gives the metrics of an empty line


def _layout_lines(
    text: str,
    styles: list[_Style],
    faces: _Faces,
    letter_spacing: float,
    wrap_width: float | None,
    vertical: bool,
) -> list[tuple[_Line, float]]:
    """Lines with their widths (letter spacing included), in display order."""
    lines: list[tuple[_Line, float]] = []
    start = 0
    for paragraph in text.split("\n"):
        indices = list(range(start, start + len(paragraph)))
        style_here = styles[min(start, len(styles) - 1)] if styles else None
        start += len(paragraph) + 1
        empty_run = faces.run(" ", style_here, faces.primary(style_here)) if style_here else None
        chars = _assign_faces(paragraph, [styles[i] for i in indices], faces)
        if vertical:
            groups = [[c] for c in chars if not c[0].isspace()] or [[]]
        elif wrap_width is None:
            groups = [chars]
        else:
            groups = _wrap(chars, faces, letter_spacing, wrap_width)
        for group in groups:
            runs = _runs(group, faces, letter_spacing)
            height_run = runs[0] if runs else empty_run
            if height_run is None:
                continue
            width = sum(_run_width(r, letter_spacing) for r in runs)
            lines.append((_Line(runs, _is_rtl(paragraph), height_run), width))
    return lines


# A grapheme cluster (one user-perceived character: a letter with its marks, an emoji sequence), its style
# (that of its first code point) and its face.
_Char = tuple[str, _Style, FontFace]


def _assign_faces(paragraph: str, styles: list[_Style], faces: _Faces) -> list[_Char]:
    chars: list[_Char] = []
    start = 0
    for cluster in emoji.clusters(paragraph):
        style = styles[start]
        start += len(cluster)
        chars.append((cluster, style, faces.face_for(cluster, style)))
    return chars


def _runs(chars: list[_Char], faces: _Faces, letter_spacing: float) -> list[_Run]:
    """Merge clusters with the same style and face; one run per cluster under letter spacing."""
    runs: list[_Run] = []
    pending: list[_Char] = []
    for char in chars:
        if pending and (letter_spacing or pending[-1][1:] != char[1:]):
            runs.append(faces.run("".join(c[0] for c in pending), pending[0][1], pending[0][2]))
            pending = []
        pending.append(char)
    if pending:
        runs.append(faces.run("".join(c[0] for c in pending), pending[0][1], pending[0][2]))
    return runs


def _advance(run: _Run) -> float:
    return _length(run.font, run.text) * run.scale


def _run_width(run: _Run, letter_spacing: float) -> float:
    return _advance(run) + letter_spacing * run.em


def _is_wide(cluster: str) -> bool:
    """CJK-like characters and emoji: a line may break before or after each of them."""
    return unicodedata.east_asian_width(cluster[0]) in ("W", "F")


def _atoms(chars: list[_Char]) -> list[list[_Char]]:
    """Unbreakable pieces: a word with its trailing spaces, or one CJK character (with its punctuation)."""
    atoms: list[list[_Char]] = []
    for char in chars:
        if atoms:
            previous = atoms[-1][-1][0]
            current = char[0]
            breakable = (previous.isspace() and not current.isspace()) or (
                (_is_wide(previous) or _is_wide(current)) and not current.isspace()
            )
            if breakable and current not in NO_LINE_START and previous not in NO_LINE_END:
                atoms.append([char])
                continue
            atoms[-1].append(char)
        else:
            atoms.append([char])
    return atoms


def _wrap(chars: list[_Char], faces: _Faces, letter_spacing: float, wrap_width: float) -> list[list[_Char]]:
    """Greedy line filling at ``wrap_width``; words wider than a line are split between characters."""

    def width(piece: list[_Char]) -> float:
        return sum(_run_width(r, letter_spacing) for r in _runs(piece, faces, letter_spacing))

    def trimmed(piece: list[_Char]) -> list[_Char]:
        end = len(piece)
        while end and piece[end - 1][0].isspace():
            end -= 1
        return piece[:end]

    atoms: list[list[_Char]] = []
    for atom in _atoms(chars):
        atoms.extend([[c] for c in atom] if width(trimmed(atom)) > wrap_width else [atom])
    lines: list[list[_Char]] = [[]]
    for atom in atoms:
        candidate = lines[-1] + atom
        if lines[-1] and width(trimmed(candidate)) > wrap_width:
            lines[-1] = trimmed(lines[-1])
            lines.append(list(atom))
        else:
            lines[-1] = candidate
    return lines


# --- drawing -----------------------------------------------------------------------------------------


def _metrics(run: _Run) -> tuple[float, float]:
    return run.metrics


def _place(lines: list[tuple[_Line, float]], material: dict, origin: float) -> tuple[list[_Placed], float, float]:
    """Positions of every run, and the text box size; the box's top-left corner is at (origin, origin)."""
    letter_spacing = float(material.get("letter_spacing") or 0.0)
    line_spacing = float(material.get("line_spacing", 0.02) or 0.0)
    alignment = int(material.get("alignment", 1) or 0)
    box_width = max((width for _, width in lines), default=0.0)
    placed: list[_Placed] = []
    y = origin
    for number, (line, width) in enumerate(lines):
        runs = line.runs or [line.height_run]
        ascent = max(_metrics(r)[0] for r in runs)
        descent = max(_metrics(r)[1] for r in runs)
        if number:
            y += line_spacing * max(r.em for r in runs)
        baseline = y + ascent
        x = origin + {0: 0.0, 2: box_width - width}.get(alignment, (box_width - width) / 2)
        for run in reversed(line.runs) if line.rtl else line.runs:
            run_width = _advance(run)
            placed.append(_Placed(run, x, baseline, run_width))
            x += run_width + letter_spacing * run.em
        y = baseline + descent
    return placed, box_width, y - origin


@dataclass(frozen=True)
class _Background:
    color: RGBA
    pad_x: float
    pad_y: float
    radius: float  # fraction of half the box's shorter side
    offset_x: float  # fraction of the box size, +x right
    offset_y: float  # fraction of the box size, +y up
    style: int


def _background(material: dict, em: float) -> _Background | None:
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
    return _Background(
        color,
        float(material.get("background_width", 0.14)) * em,
        float(material.get("background_height", 0.14)) * em,
        max(0.0, min(1.0, float(material.get("background_round_radius", 0.0)))),
        max(-1.0, min(1.0, float(material.get("background_horizontal_offset", 0.0)))) / 2,
        max(-1.0, min(1.0, float(material.get("background_vertical_offset", 0.0)))) / 2,
        int(material.get("background_style") or 1),
    )


def _draw(material: dict, lines: list[tuple[_Line, float]], warnings: list[str]) -> TextLayer:
    runs = [run for line, _ in lines for run in (line.runs or [line.height_run])]
    max_em = max((run.em for run in runs), default=1.0)
    reach = max((_stroke_px(r) + _shadow_reach(r) for r in runs), default=0.0)
    background = _background(material, max_em) if runs else None
    _, box_width, box_height = _place(lines, material, 0.0)
    extra = _background_reach(background, box_width, box_height) if background else 0.0
    pad = math.ceil(max_em * 1.2 + reach + extra) + 4
    placed, box_width, box_height = _place(lines, material, pad)
    size = (math.ceil(box_width) + 2 * pad, math.ceil(box_height) + 2 * pad)
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    if background:
        _draw_background(canvas, (pad, pad, box_width, box_height), background)
        warnings.append("text background padding approximated (background_width/height x em, not measured)")
        if background.style not in (0, 1):
            warnings.append(f"text background style {background.style} drawn as one box around the text")
    _draw_shadows(canvas, placed, material)
    for color, group in _group(placed, lambda p: p.run.style.stroke.color if p.run.style.stroke else None).items():
        _paint(canvas, _mask(size, group, lambda p: _stroke_px(p.run), material), color)
    for color, group in _group(placed, lambda p: p.run.style.color).items():
        _paint(canvas, _mask(size, group, lambda p: p.run.embolden, material, images=False), color)
    _draw_images(canvas, placed)

    global_alpha = max(0.0, min(1.0, float(material.get("global_alpha", 1.0))))
    if global_alpha < 1.0:
        canvas.putalpha(canvas.getchannel("A").point(lambda v: round(v * global_alpha)))
    centre = (pad + box_width / 2, pad + box_height / 2)
    bbox = canvas.getchannel("A").getbbox()
    if bbox is None:
        return TextLayer(Image.new("RGBA", (1, 1), (0, 0, 0, 0)), (0.5, 0.5), warnings)
    return TextLayer(canvas.crop(bbox), (centre[0] - bbox[0], centre[1] - bbox[1]), warnings)


def _background_reach(background: _Background, width: float, height: float) -> float:
    """How far past the text box (width x height) the background box can reach: padding plus offset."""
    padded_width, padded_height = width + 2 * background.pad_x, height + 2 * background.pad_y
    return max(
        background.pad_x + abs(background.offset_x) * padded_width,
        background.pad_y + abs(background.offset_y) * padded_height,
    )


def _draw_background(canvas: Image.Image, box: tuple[float, float, float, float], background: _Background) -> None:
    """A rounded rectangle around the text box (left, top, width, height), padded and offset."""
    left, top, width, height = box
    width, height = width + 2 * background.pad_x, height + 2 * background.pad_y
    left += background.offset_x * width - background.pad_x
    top -= background.offset_y * height + background.pad_y
    right, bottom = left + width, top + height
    radius = background.radius * min(right - left, bottom - top) / 2
    mask = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((left, top, right, bottom), radius=radius, fill=255)
    _paint(canvas, mask, background.color)


def _stroke_px(run: _Run) -> float:
    stroke = run.style.stroke
    return run.embolden + (stroke.width * run.em if stroke else 0.0)


def _shadow_reach(run: _Run) -> float:
    shadow = run.style.shadow
    if shadow is None:
        return 0.0
    return shadow.distance / 100 * run.em + 3 * shadow.diffuse * run.em


def _group(placed: list[_Placed], key: Callable[[_Placed], K | None]) -> dict[K, list[_Placed]]:
    """The runs by `key` (one mask per distinct colour, shadow...); runs whose key is empty are left out."""
    groups: dict[K, list[_Placed]] = defaultdict(list)
    for item in placed:
        value = key(item)
        if value:
            groups[value].append(item)
    return groups


def _mask(
    size: tuple[int, int],
    placed: list[_Placed],
    outline: Callable[[_Placed], float],
    material: dict,
    images: bool = True,
) -> Image.Image:
    """Coverage of the glyphs (grown by ``outline`` px), underlines and italic shear included.

    Runs drawn as images add their silhouette when ``images`` (stroke, shadow), only their underline otherwise
    (the fill: it must not paint over an emoji's own colours). Images are not sheared for italics.
    """
    mask = Image.new("L", size, 0)
    underline_offset = float(material.get("underline_offset", 0.22))
    underline_width = float(material.get("underline_width", 0.05))
    for item in placed:
        run = item.run
        sheared = run.style.italic and not run.image
        target = Image.new("L", size, 0) if sheared else mask
        draw = ImageDraw.Draw(target)
        radius = outline(item)
        if not run.image:
            draw.text((item.x, item.baseline), run.text, font=run.font, fill=255, anchor="ls", stroke_width=radius)
        elif images:
            image, left, top = emoji.glyph_image(run.font, run.text, run.scale, run.style.color)
            grown, margin = emoji.silhouette(image, radius)
            piece = Image.new("L", size, 0)
            piece.paste(grown, (round(item.x + left) - margin, round(item.baseline + top) - margin))
            target.paste(ImageChops.lighter(target, piece))
        if run.style.underline:
            top = item.baseline + (underline_offset - underline_width / 2) * run.em - radius
            bottom = top + underline_width * run.em + 2 * radius
            draw.rectangle((item.x - radius, top, item.x + item.width + radius, bottom), fill=255)
        if sheared:
            shear = (1, ITALIC_SHEAR, -item.baseline * ITALIC_SHEAR, 0, 1, 0)
            target = target.transform(size, Image.Transform.AFFINE, shear, Image.Resampling.BILINEAR)
            mask = ImageChops.lighter(mask, target)
    return mask


def _draw_images(canvas: Image.Image, placed: list[_Placed]) -> None:
    """Composite the runs drawn as images (emoji) over the text, with their own colours."""
    for item in placed:
        run = item.run
        if run.image:
            image, left, top = emoji.glyph_image(run.font, run.text, run.scale, run.style.color)
            layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
            layer.paste(image, (round(item.x + left), round(item.baseline + top)))
            canvas.alpha_composite(layer)


def _paint(canvas: Image.Image, mask: Image.Image, color: RGBA) -> None:
    """Composite ``color`` through ``mask`` over the canvas."""
    red, green, blue, alpha = color
    layer = Image.new("RGBA", canvas.size, (red, green, blue, 0))
    layer.putalpha(mask if alpha == 255 else mask.point(lambda v: v * alpha // 255))
    canvas.alpha_composite(layer)


def _shadow_offset(shadow: _Shadow, em: float) -> tuple[float, float]:
    """Pixel offset (+y down) of a shadow: ``distance`` (the panel's 0..100) / 100 x em along ``angle``.

    Direction: the angle in degrees, counter-clockwise from +x with +y up (-45 = down-right), the app's default
    and what its ``shadow_point`` encodes (`_flat_shadow_angle`). Length: spec/DRAFT_FORMAT.md §3.3 [cal].
    Softness: ``diffuse`` is the panel's 0..100 / 100 / 6 (pyJianYingDraft: "/6 is the app's own mapping"),
    drawn as a Gaussian blur of sigma diffuse x em.
    """
    distance = shadow.distance / 100 * em
    return distance * math.cos(math.radians(shadow.angle)), -distance * math.sin(math.radians(shadow.angle))


def _draw_shadows(canvas: Image.Image, placed: list[_Placed], material: dict) -> None:
    """Blurred, offset copies of glyphs + strokes, one per distinct shadow and em."""
    for (shadow, em), group in _group(
        placed, lambda p: (p.run.style.shadow, p.run.em) if p.run.style.shadow else None
    ).items():
        mask = _mask(canvas.size, group, lambda p: _stroke_px(p.run), material)
        dx, dy = _shadow_offset(shadow, em)
        shifted = Image.new("L", canvas.size, 0)
        shifted.paste(mask, (round(dx), round(dy)))
        if shadow.diffuse > 0:
            shifted = shifted.filter(ImageFilter.GaussianBlur(shadow.diffuse * em))
        _paint(canvas, shifted, shadow.color)
