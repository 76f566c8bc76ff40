"""ffmpeg expression text shared by the graph and the motion filters: numbers and linear keyframe curves."""

from __future__ import annotations

import itertools
from fractions import Fraction

from capcut_mate.render.model import Keyframes


def num(value: float | Fraction) -> str:
    """Compact, exact-enough decimal for filter arguments (no exponent notation)."""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def piecewise(points: Keyframes, var: str) -> str:
    """ffmpeg expression of linear keyframes (µs times) in `var` seconds; holds ends (§4)."""
    secs = [(t / 1e6, v) for t, v in points]
    expr = num(secs[-1][1])
    for (t0, v0), (t1, v1) in reversed(list(itertools.pairwise(secs))):
        if t1 <= t0:
            continue
        ramp = f"{num(v0)}+({num(v1 - v0)})*({var}-({num(t0)}))/{num(t1 - t0)}"
        expr = f"if(lt({var},{num(t1)}),{ramp},{expr})"
    return f"if(lt({var},{num(secs[0][0])}),{num(secs[0][1])},{expr})"
