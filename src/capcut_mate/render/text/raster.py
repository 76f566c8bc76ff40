"""Rasterise one text block (plan/text.py: a text material as the plan carries it) into a tight RGBA layer with Pillow.

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
§3.3 (stroke radius = width x em). Shadows and background boxes: see `_shadow_offset` here and `_box` in
plan/text.py, which name the source of each rule.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, features

from capcut_mate.render.plan.text import RGBA, Shadow, TextBlock, TextBox, TextStyle
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
ITALIC_SHEAR = math.tan(math.radians(12))
SYNTHETIC_BOLD_EM = 0.025  # outline radius that emboldens a regular face
SUBSTITUTED_LISTED = 8  # code points a fallback warning lists
HAS_RAQM = features.check("raqm")
LAYOUT = ImageFont.Layout.RAQM if HAS_RAQM else ImageFont.Layout.BASIC
# Punctuation that must not start / end a wrapped line (basic kinsoku).
NO_LINE_START = set("，。、！？；：）」』】〉》〕…’”,.!?;:)]}%")
NO_LINE_END = set("（「『【〈《〔‘“([{")
K = TypeVar("K", bound=Hashable)


@dataclass
class TextLayer:
    """One rendered text material."""

    image: Image.Image  # RGBA, straight alpha, tight around text + stroke + shadow + background box
    anchor: tuple[float, float]  # pixel in `image` of the text box centre (placed at the clip position)
    warnings: list[str] = field(default_factory=list)  # what could not be reproduced


@dataclass(frozen=True)
class _Run:
    """Characters drawn with one style and one face."""

    text: str
    style: TextStyle
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
    block: TextBlock, canvas_size: tuple[int, int], fonts: FontResolver, scale: float = 1.0
) -> TextLayer:
    """Draw a text block at ``scale`` (the segment's clip.scale.x) for a canvas of ``canvas_size``."""
    warnings = list(block.notes)
    text = block.text
    char_styles = [run.style for run in block.runs for _ in run.text]
    faces = _Faces(fonts, canvas_size, scale, warnings)
    if block.letter_spacing and any(_is_complex(ch) for ch in text):
        warnings.append("letter spacing breaks glyph shaping: complex-script text drawn letter by letter")
    if not HAS_RAQM and any(_is_complex(ch) for ch in text):
        warnings.append("Pillow lacks libraqm: Arabic/complex text drawn without shaping or bidi")

    wrap_width = None if block.wrap is None else block.wrap * canvas_size[0] * scale
    if block.vertical:
        warnings.append("vertical typesetting approximated: one character per line, one column")
    lines = _layout_lines(text, char_styles, faces, block.letter_spacing, wrap_width, block.vertical)
    faces.finish()
    return _draw(block, lines, warnings)


# --- content and styles ------------------------------------------------------------------------------


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

    def primary(self, style: TextStyle) -> FontFace:
        path, index, font_warnings = self.fonts.font_for(dict(style.font), bold=style.bold)
        for message in font_warnings:
            _add_once(self.warnings, message)
        return path, index

    def face_for(self, cluster: str, style: TextStyle) -> FontFace:
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

    def run(self, text: str, style: TextStyle, face: FontFace) -> _Run:
        em = max(1.0, em_pixels(style.size, self.canvas_size, self.scale))
        try:
            font = open_font(face[0], face[1], em, LAYOUT)
        except FontFileError as exc:
            fallback = self.fonts.fallback(style.bold)
            _add_once(
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
            _add_once(self.warnings, message)


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
    styles: list[TextStyle],
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
_Char = tuple[str, TextStyle, FontFace]


def _assign_faces(paragraph: str, styles: list[TextStyle], faces: _Faces) -> list[_Char]:
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


def _place(lines: list[tuple[_Line, float]], block: TextBlock, origin: float) -> tuple[list[_Placed], float, float]:
    """Positions of every run, and the text box size; the box's top-left corner is at (origin, origin)."""
    letter_spacing, line_spacing, alignment = block.letter_spacing, block.line_spacing, block.alignment
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


def _background(box: TextBox, em: float) -> _Background:
    """The block's box in pixels: it reaches past the text by a share of the largest em (plan/text.py)."""
    return _Background(box.color, box.reach_x * em, box.reach_y * em, box.radius, box.offset_x, box.offset_y, box.style)


def _draw(block: TextBlock, lines: list[tuple[_Line, float]], warnings: list[str]) -> TextLayer:
    runs = [run for line, _ in lines for run in (line.runs or [line.height_run])]
    max_em = max((run.em for run in runs), default=1.0)
    reach = max((_stroke_px(r) + _shadow_reach(r) for r in runs), default=0.0)
    background = _background(block.box, max_em) if runs and block.box else None
    _, box_width, box_height = _place(lines, block, 0.0)
    extra = _background_reach(background, box_width, box_height) if background else 0.0
    pad = math.ceil(max_em * 1.2 + reach + extra) + 4
    placed, box_width, box_height = _place(lines, block, pad)
    size = (math.ceil(box_width) + 2 * pad, math.ceil(box_height) + 2 * pad)
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    if background:
        _draw_background(canvas, (pad, pad, box_width, box_height), background)
        warnings.append("text background padding approximated (background_width/height x em, not measured)")
        if background.style not in (0, 1):
            warnings.append(f"text background style {background.style} drawn as one box around the text")
    _draw_shadows(canvas, placed, block)
    for color, group in _group(placed, lambda p: p.run.style.stroke.color if p.run.style.stroke else None).items():
        _paint(canvas, _mask(size, group, lambda p: _stroke_px(p.run), block), color)
    for color, group in _group(placed, lambda p: p.run.style.color).items():
        _paint(canvas, _mask(size, group, lambda p: p.run.embolden, block, images=False), color)
    _draw_images(canvas, placed)

    global_alpha = block.global_alpha
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
    block: TextBlock,
    images: bool = True,
) -> Image.Image:
    """Coverage of the glyphs (grown by ``outline`` px), underlines and italic shear included.

    Runs drawn as images add their silhouette when ``images`` (stroke, shadow), only their underline otherwise
    (the fill: it must not paint over an emoji's own colours). Images are not sheared for italics.
    """
    mask = Image.new("L", size, 0)
    underline_offset, underline_width = block.underline_offset, block.underline_width
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


def _shadow_offset(shadow: Shadow, em: float) -> tuple[float, float]:
    """Pixel offset (+y down) of a shadow: ``distance`` (the panel's 0..100) / 100 x em along ``angle``.

    Direction: the angle in degrees, counter-clockwise from +x with +y up (-45 = down-right), the app's default
    and what its ``shadow_point`` encodes (`_flat_shadow_angle`). Length: spec/DRAFT_FORMAT.md §3.3 [cal].
    Softness: ``diffuse`` is the panel's 0..100 / 100 / 6 (pyJianYingDraft: "/6 is the app's own mapping"),
    drawn as a Gaussian blur of sigma diffuse x em.
    """
    distance = shadow.distance / 100 * em
    return distance * math.cos(math.radians(shadow.angle)), -distance * math.sin(math.radians(shadow.angle))


def _draw_shadows(canvas: Image.Image, placed: list[_Placed], block: TextBlock) -> None:
    """Blurred, offset copies of glyphs + strokes, one per distinct shadow and em."""
    for (shadow, em), group in _group(
        placed, lambda p: (p.run.style.shadow, p.run.em) if p.run.style.shadow else None
    ).items():
        mask = _mask(canvas.size, group, lambda p: _stroke_px(p.run), block)
        dx, dy = _shadow_offset(shadow, em)
        shifted = Image.new("L", canvas.size, 0)
        shifted.paste(mask, (round(dx), round(dy)))
        if shadow.diffuse > 0:
            shifted = shifted.filter(ImageFilter.GaussianBlur(shadow.diffuse * em))
        _paint(canvas, shifted, shadow.color)
