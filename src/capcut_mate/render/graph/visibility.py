"""Safety net for "nothing is dropped silently": layers the finished plan never lets anyone see.

A draft can hide a segment in ways no single rule reports: an outro window that fades it out for good, a
keyframed alpha of 0, a position far off the canvas, a full-screen opaque clip on a track above. Each check
here is a proof, never a guess: a layer is reported only when it is hidden for its whole time on screen,
so a warning always means a segment the user asked for cannot be seen in the output.

All curves in a plan are linear between breakpoints (keyframes, motion window edges), so every check walks
the intervals between breakpoints: opacity, a product of at most a few linear factors per interval, is
zero throughout when it is zero at five points of it; a moving box stays past a canvas edge when both ends
of the interval are past it (the region beyond an edge is convex) with the largest extent of the interval.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from capcut_mate.render.plan.geometry import scale_curve, value_at
from capcut_mate.render.plan.model import Layer, Plan
from capcut_mate.render.prepare.inputs import Source
from capcut_mate.render.warnings import Warnings

_SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)  # degree <= 4 on an interval: zero at five points = zero throughout


def hidden_layers(plan: Plan, sources: Sequence[Source | None], warnings: Warnings) -> None:
    """One warning per layer that is invisible for its whole duration, naming why.

    Layers without a source (not in the chunk being prepared) are left to the chunks that show them; a cover
    lasts the covered layer's whole window, so it is prepared wherever that layer is.
    """
    for index, (layer, source) in enumerate(zip(plan.layers, sources, strict=True)):
        if source is None:
            continue
        reason = None
        if _transparent(layer):
            reason = "its opacity is zero for its whole duration"
        elif _off_canvas(layer, source, (plan.canvas_width, plan.canvas_height)):
            reason = "it lies entirely outside the canvas for its whole duration"
        else:
            cover = _covered_by(plan, sources, index)
            if cover is not None:
                reason = f"the opaque full-canvas segment {cover.segment_id!r} above it covers it the whole time"
        if reason is not None:
            warnings.add(layer.segment_id, layer.track, "hidden", f"never visible: {reason}")


def _breakpoints(layer: Layer, props: Sequence[str]) -> list[float]:
    """Local times where any curve of `props` or any motion window may bend, inside the time on screen.

    The plan keeps every layer at least one frame long, so there are always two or more.
    """
    first, last = -layer.lead_us, layer.duration_us + layer.tail_us
    times = {first, last}
    for prop in props:
        times.update(t for t, _ in layer.transform.keyframes.get(prop, []))
    for motion in layer.motions:
        times.update((motion.start_us, motion.start_us + motion.duration_us))
    return sorted(t for t in times if first <= t <= last)


def _opacity(layer: Layer, t: float) -> float:
    """Alpha at local time t from the clip alpha or its keyframes and the alpha fades (ffmpeg `fade`)."""
    keyframes = layer.transform.keyframes.get("alpha")
    alpha = max(0.0, min(1.0, value_at(keyframes, t) if keyframes else layer.transform.alpha))
    for motion in layer.motions:
        if motion.kind not in ("fade_in", "fade_out") or motion.color:
            continue  # a fade through a colour shows the colour
        share = (t - motion.start_us) / motion.duration_us if motion.duration_us > 0 else 1.0
        share = max(0.0, min(1.0, share))
        alpha *= share if motion.kind == "fade_in" else 1.0 - share
    return alpha


def _transparent(layer: Layer) -> bool:
    times = _breakpoints(layer, ("alpha",))
    return all(_opacity(layer, a + (b - a) * share) <= 0.0 for a, b in itertools.pairwise(times) for share in _SHARES)


def _slide(layer: Layer, axis: int, t: float) -> float:
    """Offset of the slide motions (half-canvas units), held at their end value after each window."""
    offset = 0.0
    for motion in layer.motions:
        if motion.kind == "slide":
            points = [
                (motion.start_us, motion.start_value[axis]),
                (motion.start_us + motion.duration_us, motion.end_value[axis]),
            ]
            offset += value_at(points, t)
    return offset


def _centre(layer: Layer, t: float, canvas: tuple[int, int]) -> tuple[float, float]:
    t_ = layer.transform
    x = (value_at(t_.keyframes["x"], t) if t_.animated("x") else t_.x) + _slide(layer, 0, t)
    y = (value_at(t_.keyframes["y"], t) if t_.animated("y") else t_.y) + _slide(layer, 1, t)
    return canvas[0] / 2 * (1 + x), canvas[1] / 2 * (1 - y)


def _largest_scale(layer: Layer, axis: int, a: float, b: float) -> float:
    """Largest |scale| on [a, b]: keyframed base times zoom, each linear there, so their ends bound it."""
    keyframes, zoom = scale_curve(layer, axis)
    static = layer.transform.scale_x if axis == 0 else layer.transform.scale_y
    base = max(abs(value_at(keyframes, a)), abs(value_at(keyframes, b))) if keyframes else abs(static)
    factor = max(abs(value_at(zoom, a)), abs(value_at(zoom, b))) if zoom else 1.0
    return base * factor


def _off_canvas(layer: Layer, source: Source, canvas: tuple[int, int]) -> bool:
    """Past one canvas edge by more than the layer's half-diagonal (any rotation) on every interval."""
    if layer.background is not None or any(m.kind == "shake" for m in layer.motions):
        return False  # its canvas fill shows anyway; a jitter has no breakpoints to prove anything on
    unit_w, unit_h = source.width / source.ref_scale[0], source.height / source.ref_scale[1]
    times = _breakpoints(layer, ("x", "y", "scale_x", "scale_y"))
    for a, b in itertools.pairwise(times):
        radius = math.hypot(unit_w * _largest_scale(layer, 0, a, b), unit_h * _largest_scale(layer, 1, a, b)) / 2
        ends = [_centre(layer, a, canvas), _centre(layer, b, canvas)]
        beyond = (
            all(x + radius < 0 for x, _ in ends)
            or all(x - radius > canvas[0] for x, _ in ends)
            or all(y + radius < 0 for _, y in ends)
            or all(y - radius > canvas[1] for _, y in ends)
        )
        if not beyond:
            return False
    return True


def _covered_by(plan: Plan, sources: Sequence[Source | None], index: int) -> Layer | None:
    """A still, opaque, unmasked video/photo above the layer that fills the canvas over its whole window."""
    layer = plan.layers[index]
    begin, end = layer.start_us - layer.lead_us, layer.start_us + layer.duration_us + layer.tail_us
    canvas_w, canvas_h = plan.canvas_width, plan.canvas_height
    for above, source in zip(plan.layers[index + 1 :], sources[index + 1 :], strict=True):
        t = above.transform
        if source is None or above.start_us > begin or above.start_us + above.duration_us < end:
            continue
        opaque = (
            above.kind in ("video", "photo")
            and not source.has_alpha
            and above.mask is None
            and above.chroma is None
            and not above.motions
            and not t.keyframes
            and t.alpha >= 1.0
            and t.rotation % 360 == 0
        )
        if not opaque:
            continue
        if above.background is not None:
            return above  # the canvas fill behind a main-track clip covers the canvas by itself
        w, h = source.width / source.ref_scale[0] * abs(t.scale_x), source.height / source.ref_scale[1] * abs(t.scale_y)
        cx, cy = canvas_w / 2 * (1 + t.x), canvas_h / 2 * (1 - t.y)
        if cx - w / 2 <= 0.5 and cx + w / 2 >= canvas_w - 0.5 and cy - h / 2 <= 0.5 and cy + h / 2 >= canvas_h - 0.5:
            return above
    return None
