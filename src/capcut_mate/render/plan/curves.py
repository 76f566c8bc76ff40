"""Keyframe curves as the app draws them: cubic Bézier in (time, value), sampled into linear keyframes.

The app stores an eased pair of keyframes as handles: the earlier keyframe's `right_control` and the later
one's `left_control`, each (µs relative to its keyframe, value delta). With P0 = (t0, v0), P1 = P0 + right,
P2 = P3 + left, P3 = (t1, v1) the value at time t is y(s) where x(s) = t. That has no short closed form an
ffmpeg expression could carry per frame, so the curve is solved here, in Python, and handed to the plan as
extra linear keyframes: the piece that strays most from its chord is halved (de Casteljau) until every
chord is within `TOLERANCE` of the value span (0.1 %: a pixel on a 1920-wide canvas for a full-width move)
or shorter than one frame, at most `MAX_PIECES` pieces per pair. Expression size stays bounded per
keyframe pair, and everything downstream (ffmpeg expressions, max-scale bounds, visibility) keeps working
on plain linear points. Cutting in the Bézier parameter, not in time, puts the points where the curve
turns, including steep steps where the handles make the timing nearly vertical.

Named presets (curveType "EaseIn"/"EaseOut", or a keyframe_graph_list entry such as "Cubic Out") with no
handles written get the handles the app writes for that preset (ratios of the pair's interval / delta).
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

from capcut_mate.render.plan.model import Keyframes

TOLERANCE = 0.001  # largest chord error, as a share of the pair's value span
MAX_PIECES = 64  # per keyframe pair (6 halvings)

# Preset -> (right.x, right.y, left.x, left.y) as ratios of the pair's interval and value delta: the
# handles the app writes when a user picks the preset (x of right = 0.42 x interval for ease-in, ...).
PRESET_HANDLES: dict[str, tuple[float, float, float, float]] = {
    "easein": (0.42, 0.0, 0.0, 0.0),
    "easeout": (0.32, 0.94, -0.4, 0.0),
    "easeinout": (0.42, 0.0, -0.42, 0.0),
}
_Piece = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]
_PRESET_ALIASES = {"cubicin": "easein", "cubicout": "easeout", "cubicinout": "easeinout"}


def preset(name: str) -> str | None:
    """The preset key of a curve or graph name ("Cubic Out", "EaseOut", "ease_out"), or None."""
    key = re.sub(r"[^a-z]", "", name.lower())
    key = _PRESET_ALIASES.get(key, key)
    return key if key in PRESET_HANDLES else None


@dataclass(frozen=True)
class Bezier:
    """One eased keyframe pair: control points in (µs, value), x kept inside [t0, t1] so time never runs back."""

    t0: float
    v0: float
    t1: float
    v1: float
    x1: float
    y1: float
    x2: float
    y2: float

    @classmethod
    def from_handles(
        cls, start: tuple[int, float], end: tuple[int, float], right: tuple[float, float], left: tuple[float, float]
    ) -> Bezier:
        (t0, v0), (t1, v1) = start, end
        x1 = min(max(t0 + right[0], t0), t1)
        x2 = min(max(t1 + left[0], t0), t1)
        return cls(t0, v0, t1, v1, x1, v0 + right[1], x2, v1 + left[1])

    @classmethod
    def from_preset(cls, key: str, start: tuple[int, float], end: tuple[int, float]) -> Bezier:
        rx, ry, lx, ly = PRESET_HANDLES[key]
        dt, dv = end[0] - start[0], end[1] - start[1]
        return cls.from_handles(start, end, (rx * dt, ry * dv), (lx * dt, ly * dv))

    def sample(self, min_piece_us: float) -> Keyframes:
        """Linear keyframes from t0 to t1 following the curve (see the module docstring for the bounds).

        The curve is cut (de Casteljau, in the Bézier parameter) where it strays most from its chord until
        every piece is within tolerance or shorter than `min_piece_us`, at most `MAX_PIECES` pieces. A piece
        lies in the hull of its control points, so its inner points' distance from the chord bounds the error.
        """
        span = max(abs(self.v1 - self.v0), abs(self.y1 - self.v0), abs(self.y2 - self.v1), 1e-9)
        tol = TOLERANCE * span
        first: _Piece = ((self.t0, self.v0), (self.x1, self.y1), (self.x2, self.y2), (self.t1, self.v1))
        # (-error, where the piece starts in the Bézier parameter, its parameter length, control points)
        pieces = [(-_error(first, min_piece_us), 0.0, 1.0, first)]
        while len(pieces) < MAX_PIECES and -pieces[0][0] > tol:
            _, at, length, piece = heapq.heappop(pieces)
            for n, half in enumerate(_halves(piece)):
                heapq.heappush(pieces, (-_error(half, min_piece_us), at + n * length / 2, length / 2, half))
        points = [(round(self.t0), self.v0)]
        points += [(round(piece[3][0]), piece[3][1]) for _, _, _, piece in sorted(pieces, key=lambda item: item[1])]
        return tuple(points)


def _error(piece: _Piece, min_piece_us: float) -> float:
    """How far (in value) the piece may stray from its chord; 0 for pieces shorter than `min_piece_us`."""
    (xa, ya), inner1, inner2, (xb, yb) = piece
    if xb - xa < max(1.0, min_piece_us):
        return 0.0
    return max(abs(y - (ya + (yb - ya) * (x - xa) / (xb - xa))) for x, y in (inner1, inner2))


def _halves(piece: _Piece) -> tuple[_Piece, _Piece]:
    """de Casteljau at the middle of the parameter."""

    def mid(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
        return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2

    p0, p1, p2, p3 = piece
    a, b, c = mid(p0, p1), mid(p1, p2), mid(p2, p3)
    d, e = mid(a, b), mid(b, c)
    m = mid(d, e)
    return (p0, a, d, m), (m, e, c, p3)
