"""Draft time (integer µs) -> output frames: the one rounding rule of the renderer.

A draft time t lands on frame floor(t · fps / 10⁶ + ½): the nearest frame boundary, halves rounding up,
in exact rational arithmetic (so 29.97 fps and odd microseconds never drift, and a 300 000 µs transition at
30 fps, 4.5 frames, rounds the same way wherever it appears). The plan snaps every window onto these
boundaries once (plan.snap_to_frames); the graph turns frame numbers into filter seconds. Nothing else
converts microseconds to frames, so a window can never start half a frame before its segment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

MICROS = 1_000_000


@dataclass(frozen=True)
class Timebase:
    """Output frame rate as an exact fraction (29.97 -> 2997/100, 23.976 -> 2997/125)."""

    rate: Fraction

    @classmethod
    def of(cls, fps: float) -> Timebase:
        return cls(Fraction(fps).limit_denominator(1001))

    def frame(self, us: int) -> int:
        """The frame boundary nearest to `us` (halves up)."""
        return math.floor(Fraction(us) * self.rate / MICROS + Fraction(1, 2))

    def frame_count(self, duration_us: int) -> int:
        """Frames of a video lasting `duration_us`: its end's nearest boundary, and never none."""
        return max(1, self.frame(duration_us))

    def frame_showing(self, us: int) -> int:
        """The frame on screen at instant `us` (frame k covers [k/fps, (k+1)/fps)): what a preview shows.

        Not `frame`: that places an edit (a cut, a window edge) on its nearest boundary."""
        return math.floor(Fraction(us) * self.rate / MICROS)

    def us(self, frame: int) -> int:
        """Frame `frame`'s presentation time rounded up to a whole µs; frame(us(f)) == f for every f."""
        return math.ceil(Fraction(frame * MICROS) / self.rate)

    def seconds(self, frame: int) -> Fraction:
        """Presentation time of a frame number (filter arguments: fade st/d, enable windows)."""
        return frame / self.rate
