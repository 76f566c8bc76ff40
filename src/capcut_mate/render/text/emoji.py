"""Emoji in text: which grapheme clusters want a colour glyph, and how glyphs drawn as images are made.

Text is laid out in extended grapheme clusters (the `regex` package's ``\\X``, Unicode UAX #29): a ZWJ family,
a flag, a skin-toned hand or a keycap is one cluster, so it gets one font and raqm shapes it into one glyph.
A cluster is an emoji when Unicode shows it as one (Emoji_Presentation, a VS16 selector, a keycap, a skin-tone
modifier, a flag, a ZWJ sequence); a VS15 selector asks for text. Emoji go to a colour font before the
caption's own font, which usually has at best a monochrome outline for them.

Colour glyphs keep their own colours, so they cannot be drawn as a coverage mask painted in the text colour like
other glyphs. They are drawn as an image (Pillow's ``embedded_color``) at the size the face opens at (a bitmap
strike such as Noto Color Emoji's 109 px) and scaled to the line's em. The same path serves any face that only
exists at fixed sizes. The caption's stroke and shadow follow the image's silhouette (`silhouette`), so an emoji
is outlined like the text around it; the fill and keyword colours never touch it.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import regex
from PIL import Image, ImageDraw, ImageFont

RGBA = tuple[int, int, int, int]
_CLUSTER = regex.compile(r"\X")
_EMOJI = regex.compile(
    r"\p{Emoji_Presentation}|\p{Emoji_Modifier}|\p{Regional_Indicator}|[\uFE0F\u20E3]|\p{Extended_Pictographic}\u200D"
)
TEXT_SELECTOR = "\ufe0e"


def clusters(text: str) -> list[str]:
    """The user-perceived characters of ``text``, in order; joined they give ``text`` back."""
    found: list[str] = _CLUSTER.findall(text)
    return found


def is_emoji(cluster: str) -> bool:
    """Whether a cluster is shown as an emoji (colour) rather than as text."""
    return TEXT_SELECTOR not in cluster and _EMOJI.search(cluster) is not None


@functools.lru_cache(maxsize=512)
def glyph_image(font: ImageFont.FreeTypeFont, text: str, scale: float, fill: RGBA) -> tuple[Image.Image, float, float]:
    """A run drawn with its own colours and scaled by ``scale``: (RGBA image, left, top), where (left, top) is
    the image's corner relative to the pen position on the baseline.

    ``fill`` only colours glyphs that carry no colour of their own (monochrome bitmap faces, foreground layers).
    """
    left, top, right, bottom = font.getbbox(text, mode="RGBA", anchor="ls")
    if right <= left or bottom <= top:
        return Image.new("RGBA", (1, 1), (0, 0, 0, 0)), 0.0, 0.0
    image = Image.new("RGBA", (int(right - left), int(bottom - top)), (0, 0, 0, 0))  # whole pixels in RGBA mode
    ImageDraw.Draw(image).text((-left, -top), text, font=font, fill=fill, anchor="ls", embedded_color=True)
    if scale != 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        # Premultiplied while resampling, or transparent pixels bleed dark fringes into the edges.
        image = image.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")
    return image, left * scale, top * scale


def silhouette(image: Image.Image, radius: float) -> tuple[Image.Image, int]:
    """The image's alpha grown by a disc of ``radius`` px (what a stroke of that width covers around it), and
    the margin in px the grown mask gained on each side.

    A disc is a stack of horizontal spans: the alpha is widened span by span (one pass per pixel of radius)
    and each widening is laid over the rows it serves, so the cost grows with the radius, not its square.
    """
    alpha = image.getchannel("A")
    reach = math.ceil(radius)
    if reach <= 0:
        return alpha, 0
    source = np.asarray(alpha, dtype=np.uint8)
    height, width = source.shape
    padded = np.zeros((height + 2 * reach, width + 2 * reach), dtype=np.uint8)
    padded[reach : reach + height, reach : reach + width] = source
    limit = math.floor(radius * radius + 0.5)  # (dx, dy) is in the disc when dx² + dy² <= limit
    spans = {dy: math.isqrt(limit - dy * dy) for dy in range(-reach, reach + 1) if dy * dy <= limit}
    widened = padded.copy()  # max over [x - span, x + span] of each row
    grown = np.zeros_like(padded)
    for span in range(max(spans.values()) + 1):
        if span:
            np.maximum(widened[:, span:], padded[:, :-span], out=widened[:, span:])
            np.maximum(widened[:, :-span], padded[:, span:], out=widened[:, :-span])
        for dy in (dy for dy, wanted in spans.items() if wanted == span):
            if dy >= 0:
                np.maximum(grown[dy:], widened[: len(widened) - dy], out=grown[dy:])
            else:
                np.maximum(grown[:dy], widened[-dy:], out=grown[:dy])
    return Image.fromarray(grown), reach
