"""Layer motion as one fixed-size warp: zoom, scale keyframes, pulses and rotation never resize a frame.

ffmpeg's filters configure their buffers for the frame size they were set up with; a stream whose size
changes every frame (`scale=...:eval=frame`) overruns them downstream (gblur, geq, fade, overlay) and
corrupted the heap of 1 render in 8. So a moving layer is padded once to its *box* — its largest extent
(reference size, or the rotation's diagonal square) plus a transparent margin — and `perspective`
(sense=destination, eval=frame) maps the layer into that same box each frame: scale and rotation about
the centre, plus the sub-pixel part of its position. Every link keeps the box size from source to overlay.

Why `perspective`, by measurement (`python -m benchmarks.motion_warp`): it is the only stock ffmpeg filter that
warps by an arbitrary affine map at a fixed size with sub-pixel precision (1/256 px); `zoompan` quantises
its window to even pixels (measured 2.7 px error and back-and-forth jitter on a slow zoom), `rotate` has
no scale and costs more per pixel, `scale` changes the frame size. Its cost grows with the box's area,
not with the shown size.

Overlay positions are integers, and even ones on a yuv420 canvas (overlay rounds x/y down to the chroma
grid), so for a moving layer the warp adds what is left: overlay places the box at `2*floor((X - bw/2)/2)`
and the warp shifts the layer by the remainder (0..2 px). Both sides compute X from the same integer frame
number with the same expression text, so they agree to the bit. A layer that stays in place sits on the
even grid like any static layer (no remainder), so that its warp is the identity whenever its scale is the
reference one and it does not turn.

Cost (benchmarks/motion_warp.py): perspective resamples every plane of the whole box each frame, so
- outside the frames where the layer actually zooms or turns, the warp is switched off (`enable=`): an
  in/out animation pays for its half second, not for the clip;
- a layer with nothing but the black canvas under it (a Ken Burns photo on the main track) needs no alpha:
  its box margin is opaque black, which looks the same over black, and it warps and overlays in yuv420p
  (1.5 planes a pixel instead of 2.5, and overlay copies instead of blending).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from capcut_mate.render.graph import motions
from capcut_mate.render.graph.expr import num, piecewise
from capcut_mate.render.plan.geometry import scale_at, scale_curve, scale_is_dynamic, value_at
from capcut_mate.render.plan.model import Keyframes, Layer

MARGIN = 4  # transparent px around the layer in its box: room for the 0..2 px sub-pixel shift, and what
# perspective's edge clamping repeats outside the layer
# Motion kinds that change the warp inside their window whatever the curves say (periodic loops).
LOOPS = ("pulse", "spin", "swing")


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
    timing: tuple[Fraction, int, int, int],
    centre_of: CentreOf,
    overlay_frame: str,
    opaque: bool = False,
) -> Warp:
    """The warp of one layer prepared at `size` (its reference size: scale `ref_scale`).

    `timing` = (fps, first shown local frame, lead frames before the segment start, local frame count).
    Local frame k (0 = the layer's first frame, transition lead included) is `in - 1 + first shown` in
    perspective (`in` counts the frames it has seen from 1, `n` from 0; a preview starts later) and
    `overlay_frame` (an exact integer expression) in the overlay. `static_angle` is the clockwise degrees
    not baked into the source; `centre_of(var)` the centre on the canvas for a segment-time variable in
    seconds. `opaque`: only black is under the layer, so its box is padded with opaque black (yuv420p).
    """
    t = layer.transform
    fps, first_shown, lead, count = timing
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
    else:  # a fixed place on the even grid: the overlay position is a number, no remainder
        ox, oy, dx, dy = _even(centre.x, bw / 2), _even(centre.y, bh / 2), "0", "0"
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
    pad = f"pad={bw}:{bh}:(ow-iw)/2:(oh-ih)/2:color={'black' if opaque else 'black@0'}"
    warp = f"perspective={points}:sense=destination:eval=frame"
    if not centre.dynamic:
        busy = busy_frames(layer, ref_scale, static_angle, (fps, lead, count))
        if busy != [(0, count - 1)]:
            shown = "+".join(f"between(n,{a - first_shown},{b - first_shown})" for a, b in busy)
            warp += f":enable='{shown or 0}'"
    return Warp([pad, warp], (bw, bh), ox, oy, centre.dynamic)


def _even(coord: str, half: float) -> str:
    return str(2 * math.floor((float(coord) - half) / 2))


def busy_frames(
    layer: Layer, ref_scale: tuple[float, float], static_angle: float, timing: tuple[Fraction, int, int]
) -> list[tuple[int, int]]:
    """Local frame ranges [a, b] in which the warp of a layer in a fixed place is not the identity.

    Elsewhere its scale is the reference one and its angle a whole turn, so the warp can be switched off.
    The curves are linear between their breakpoints (scale = keyframes × zoom: a quadratic, hence the
    midpoint too), so checking breakpoints decides each stretch; ranges are widened by a frame (an identity
    warp is exact, so an extra warped frame changes nothing).
    """
    fps, lead, count = timing
    t = layer.transform
    turns: list[Keyframes] = [
        ((m.start_us, m.start_value[0]), (m.start_us + m.duration_us, m.end_value[0]))
        for m in layer.motions
        if m.kind == "rotate"
    ]

    def identity(t_us: float) -> bool:
        scales = (abs(scale_at(layer, axis, t_us)) / ref_scale[axis] for axis in (0, 1))
        angle = value_at(t.keyframes["rotation"], t_us) if t.animated("rotation") else static_angle
        angle += sum(value_at(points, t_us) for points in turns)
        return all(abs(s - 1) < 1e-9 for s in scales) and abs(math.remainder(angle, 360)) < 1e-9

    times: set[float] = set()
    for prop in ("scale_x", "scale_y", "rotation"):
        times |= {time for time, _ in t.keyframes.get(prop, ())}
    windows = [(m.start_us, m.start_us + m.duration_us) for m in layer.motions if m.kind in ("zoom", "rotate", *LOOPS)]
    times |= {time for window in windows for time in window}
    marks = sorted(times)
    busy: list[tuple[float, float]] = [
        (m.start_us, m.start_us + m.duration_us) for m in layer.motions if m.kind in LOOPS
    ]
    if not marks or not identity(marks[0]):
        busy.append((-math.inf, marks[0] if marks else math.inf))
    if marks and not identity(marks[-1]):
        busy.append((marks[-1], math.inf))
    busy += [(a, b) for a, b in itertools.pairwise(marks) if not all(map(identity, (a, (a + b) / 2, b)))]
    frames: list[tuple[int, int]] = []
    for a, b in sorted(busy):
        first = 0 if a == -math.inf else max(0, math.ceil(a * fps / 1_000_000 + lead) - 1)
        last = count - 1 if b == math.inf else min(count - 1, math.floor(b * fps / 1_000_000 + lead) + 1)
        if first > last:
            continue
        if frames and first <= frames[-1][1] + 1:
            frames[-1] = (frames[-1][0], max(last, frames[-1][1]))
        else:
            frames.append((first, last))
    return frames


def _angle(layer: Layer, static_angle: float, local: str) -> str | None:
    """Clockwise radians as an expression, or None when the layer does not turn."""
    t = layer.transform
    extra = motions.rotation_term(layer.motions, local)
    base = piecewise(t.keyframes["rotation"], local) if t.animated("rotation") else num(static_angle)
    if not t.animated("rotation") and extra is None and static_angle % 360 == 0:
        return None
    return f"(({base}){'+' + extra if extra else ''})*PI/180"
