"""ffmpeg expression text shared by the graph and the motion filters: numbers and linear keyframe curves."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction


def num(value: float | Fraction) -> str:
    """Compact, exact-enough decimal for filter arguments (no exponent notation)."""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def piecewise(points: Sequence[tuple[int, float]], var: str) -> str:
    """ffmpeg expression of linear keyframes (µs times) in `var` seconds; holds ends (§4).

    The ramps sit in a balanced if-tree keyed on their start times, so nesting grows with log2 of the
    number of points: eased keyframes (curves.py) add up to 64 points a pair, which a chain of ifs would
    turn into thousands of nested levels for ffmpeg's recursive parser and evaluator.
    """
    secs = [(t / 1e6, v) for t, v in points]
    ramps = [(t0, v0, t1, v1) for (t0, v0), (t1, v1) in itertools.pairwise(secs) if t1 > t0]

    def tree(lo: int, hi: int) -> str:
        if hi - lo == 1:
            t0, v0, t1, v1 = ramps[lo]
            return f"{num(v0)}+({num(v1 - v0)})*({var}-({num(t0)}))/{num(t1 - t0)}"
        mid = (lo + hi) // 2
        return f"if(lt({var},{num(ramps[mid][0])}),{tree(lo, mid)},{tree(mid, hi)})"

    last = num(secs[-1][1])
    inner = f"if(lt({var},{num(secs[-1][0])}),{tree(0, len(ramps))},{last})" if ramps else last
    return f"if(lt({var},{num(secs[0][0])}),{num(secs[0][1])},{inner})"
