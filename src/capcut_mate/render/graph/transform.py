"""Layer motion as one fixed-size warp: zoom, scale keyframes, pulses and rotation never resize a frame.

ffmpeg's filters configure their buffers for the frame size they were set up with; a stream whose size
changes every frame (`scale=...:eval=frame`) overruns them downstream (gblur, geq, fade, overlay) and
corrupted the heap of 1 render in 8. So a moving layer is padded once to its *box* — its largest extent
(reference size, or the rotation's diagonal square) plus a transparent margin — and `perspective`
(sense=destination, eval=frame) maps the layer into that same box each frame: scale and rotation about
the centre, plus the sub-pixel part of its position. Every link keeps the box size from source to overlay.

Why `perspective`, by measurement (docs/rendering.md, "Motion"): it is the only stock ffmpeg filter that
warps by an arbitrary affine map at a fixed size with sub-pixel precision (1/256 px); `zoompan` quantises
its window to even pixels (measured 2.7 px error and back-and-forth jitter on a slow zoom), `rotate` has
no scale and costs more per pixel, `scale` changes the frame size. Its cost grows with the box's area,
not with the shown size.

Overlay positions are integers, and even ones on a yuv420 canvas (overlay rounds x/y down to the chroma
grid), so the warp adds what is left: overlay places the box at `2*floor((X - bw/2)/2)` and the warp
shifts the layer by the remainder (0..2 px). Both sides compute X from the same integer frame number with
the same expression text, so they agree to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from capcut_mate.render.graph import motions
from capcut_mate.render.graph.expr import num, piecewise
from capcut_mate.render.plan.geometry import scale_curve, scale_is_dynamic
from capcut_mate.render.plan.model import Layer

MARGIN = 4  # transparent px around the layer in its box: room for the 0..2 px sub-pixel shift, and what
# perspective's edge clamping repeats outside the layer


@dataclass(frozen=True)
class Centre:
    """The layer centre on the canvas (px) as expressions of a variable, and whether they change."""

    x: str
    y: str
    dynamic: bool


@dataclass(frozen=True)
class Warp:
    """Filters that move a layer inside its fixed box, and how overlay places that box."""

    steps: list[str]
    box: tuple[int, int]
    x: str  # overlay x/y: even integers (exact in double), as expressions when the position moves
    y: str
    moving: bool  # whether x/y change over time (overlay evaluates them per frame)


def needed(layer: Layer) -> bool:
    """A layer whose scale or rotation changes over time is drawn through a warp."""
    t = layer.transform
    return scale_is_dynamic(layer) or t.animated("rotation") or motions.rotation_term(layer.motions, "t") is not None


def _even_up(value: float) -> int:
    return 2 * math.ceil(value / 2)


def box_of(size: tuple[int, int], turning: bool) -> tuple[int, int]:
    """The fixed frame a layer of `size` moves in: itself, or its diagonal square when it turns, plus margins."""
    w, h = size
    if turning:
        side = _even_up(math.hypot(w, h) + 2 * MARGIN)
        return side, side
    return _even_up(w + 2 * MARGIN), _even_up(h + 2 * MARGIN)


def frame_seconds(frame: str, fps: Fraction) -> str:
    """Seconds of an integer frame-number expression, written the same way everywhere it is used."""
    return f"({frame})*{fps.denominator}/{fps.numerator}"


def _placement(coord: str, half: float) -> tuple[str, str]:
    """(overlay coordinate: even integer, sub-pixel remainder 0..2) of a centre coordinate expression."""
    corner = f"(({coord})-{num(half)})"
    even = f"2*floor({corner}/2)"
    return even, f"({corner}-{even})"


CentreOf = Callable[[str], Centre]  # segment-time variable (an expression in seconds) -> the centre


def build(
    layer: Layer,
    size: tuple[int, int],
    ref_scale: tuple[float, float],
    static_angle: float,
    timing: tuple[Fraction, int, int],
    centre_of: CentreOf,
    overlay_frame: str,
) -> Warp:
    """The warp of one layer prepared at `size` (its reference size: scale `ref_scale`).

    `timing` = (fps, first shown local frame, lead frames before the segment start). Local frame k (0 = the
    layer's first frame, transition lead included) is `in - 1 + first shown` in perspective (`in` counts
    the frames it has seen from 1; a preview starts later) and `overlay_frame` (an exact integer
    expression) in the overlay. `static_angle` is the clockwise degrees not baked into the source;
    `centre_of(var)` the centre on the canvas for a segment-time variable in seconds.
    """
    t = layer.transform
    fps, first_shown, lead = timing
    turning = t.animated("rotation") or motions.rotation_term(layer.motions, "t") is not None
    bw, bh = box_of(size, turning or static_angle % 360 != 0)
    frame = f"(in-1+{first_shown})"
    local = frame_seconds(f"{frame}-{lead}", fps)  # seconds since the segment start
    scales = []
    for axis in (0, 1):
        keyframes, zoom = scale_curve(layer, axis)
        static = t.scale_x if axis == 0 else t.scale_y
        base = piecewise(keyframes, local) if keyframes else num(static)
        factor = f"({base})*({piecewise(zoom, local)})" if zoom else f"({base})"
        pulse = motions.scale_factor(layer.motions, local)
        factor = f"{factor}*{pulse}" if pulse else factor
        scales.append(f"abs({factor})/{num(ref_scale[axis])}")
    angle = _angle(layer, static_angle, local)
    centre = centre_of(local)
    if centre.dynamic:
        (_, dx), (_, dy) = _placement(centre.x, bw / 2), _placement(centre.y, bh / 2)
        seen = centre_of(frame_seconds(f"{overlay_frame}-{lead}", fps))
        (ox, _), (oy, _) = _placement(seen.x, bw / 2), _placement(seen.y, bh / 2)
    else:  # a fixed place: the overlay position and the remainder are numbers
        ox, dx = _numbers(centre.x, bw / 2)
        oy, dy = _numbers(centre.y, bh / 2)
    cx, cy = (bw - 1) / 2, (bh - 1) / 2  # the centre in perspective's pixel-index coordinates
    corners = []
    for px, py in ((0, 0), (bw, 0), (0, bh), (bw, bh)):
        ux, uy = f"{scales[0]}*{num(px - cx)}", f"{scales[1]}*{num(py - cy)}"
        if angle is None:
            qx, qy = ux, uy
        else:
            qx = f"({ux})*cos({angle})-({uy})*sin({angle})"
            qy = f"({ux})*sin({angle})+({uy})*cos({angle})"
        corners += [f"'{num(cx)}+{dx}+{qx}'", f"'{num(cy)}+{dy}+{qy}'"]
    names = ("x0", "y0", "x1", "y1", "x2", "y2", "x3", "y3")
    points = ":".join(f"{name}={value}" for name, value in zip(names, corners, strict=True))
    pad = f"pad={bw}:{bh}:(ow-iw)/2:(oh-ih)/2:color=black@0"
    return Warp([pad, f"perspective={points}:sense=destination:eval=frame"], (bw, bh), ox, oy, centre.dynamic)


def _numbers(coord: str, half: float) -> tuple[str, str]:
    value = float(coord) - half
    even = 2 * math.floor(value / 2)
    return str(even), num(value - even)


def _angle(layer: Layer, static_angle: float, local: str) -> str | None:
    """Clockwise radians as an expression, or None when the layer does not turn."""
    t = layer.transform
    extra = motions.rotation_term(layer.motions, local)
    base = piecewise(t.keyframes["rotation"], local) if t.animated("rotation") else num(static_angle)
    if not t.animated("rotation") and extra is None and static_angle % 360 == 0:
        return None
    return f"(({base}){'+' + extra if extra else ''})*PI/180"
