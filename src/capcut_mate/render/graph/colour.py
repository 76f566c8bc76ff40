"""Colour operations (plan/colours.py) -> ffmpeg filter text: the only place that writes it.

Each filter has no commas, so the graph can follow it with `:enable=` for the item's window.
"""

from __future__ import annotations

from pathlib import Path

from capcut_mate.render.graph.expr import num
from capcut_mate.render.plan.colours import (
    Balance,
    Blur,
    ChannelMix,
    ColourOperation,
    Levels,
    Lut,
    Negate,
    Saturation,
    Vignette,
)


def colour_filter(operation: ColourOperation, luts: dict[str, Path]) -> str:
    """The filter for `operation`; a LUT's file is looked up in `luts` (draft path -> prepared local file)."""
    match operation:
        case Saturation(amount=amount):
            return f"hue=s={num(amount)}"
        case Negate():
            return "negate"
        case ChannelMix(matrix=matrix):
            parts = [
                f"{channel}{source}={num(value)}"
                for row, channel in zip(matrix, "rgb", strict=True)
                for value, source in zip(row, "rgb", strict=True)
            ]
            return "colorchannelmixer=" + ":".join(parts)
        case Levels(saturation=saturation, contrast=contrast, brightness=brightness):
            given = {"saturation": saturation, "contrast": contrast, "brightness": brightness}
            return "eq=" + ":".join(f"{key}={num(value)}" for key, value in given.items() if value is not None)
        case Balance(red=red, blue=blue):
            return f"colorbalance=rs={num(red)}:rm={num(red)}:bs={num(blue)}:bm={num(blue)}"
        case Vignette(angle=angle):
            return f"vignette=angle={num(angle)}"
        case Blur(sigma=sigma):
            return f"gblur=sigma={num(sigma)}"
        case Lut(path=path):
            return f"lut3d=file='{luts[path].resolve().as_posix()}'"
