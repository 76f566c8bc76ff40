"""Layer geometry shared by prepare (pre-fitting stills once) and graph (per-frame work).

A layer is prepared at its *reference size* = contain-fit size x the largest scale it ever reaches, so
per-frame scaling only ever shrinks it (sharp, and a still is resized once, not every frame).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from capcut_mate.render.plan.model import Keyframes, Layer


def fit_size(src_w: float, src_h: float, canvas_w: int, canvas_h: int) -> tuple[float, float]:
    """Contain-fit ("letterbox") of the source inside the canvas at scale 1 (§2.3)."""
    if src_w <= 0 or src_h <= 0:
        return float(canvas_w), float(canvas_h)
    factor = min(canvas_w / src_w, canvas_h / src_h)
    return src_w * factor, src_h * factor


def value_at(points: Sequence[tuple[int, float]], t_us: float) -> float:
    """Linear keyframe interpolation, holding the first/last value outside (§4)."""
    if t_us <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        if t_us < t1:
            return v0 if t1 == t0 else v0 + (v1 - v0) * (t_us - t0) / (t1 - t0)
    return points[-1][1]


def _zoom_points(layer: Layer, axis: int) -> Keyframes:
    """Zoom motions as a multiplier curve over local time (1 outside their windows)."""
    points: list[tuple[int, float]] = []
    for motion in layer.motions:
        if motion.kind == "zoom":
            points.append((motion.start_us, motion.start_value[axis]))
            points.append((motion.start_us + motion.duration_us, motion.end_value[axis]))
    return tuple(points)


def scale_curve(layer: Layer, axis: int) -> tuple[Keyframes, Keyframes]:
    """(keyframes of the clip scale or [], zoom multiplier points or []) for axis 0 = x, 1 = y."""
    prop = "scale_x" if axis == 0 else "scale_y"
    return layer.transform.keyframes.get(prop, ()), _zoom_points(layer, axis)


def scale_at(layer: Layer, axis: int, t_us: float) -> float:
    keyframes, zoom = scale_curve(layer, axis)
    static = layer.transform.scale_x if axis == 0 else layer.transform.scale_y
    base = value_at(keyframes, t_us) if keyframes else static
    return base * (value_at(zoom, t_us) if zoom else 1.0)


def scale_is_dynamic(layer: Layer) -> bool:
    pulsing = any(motion.kind == "pulse" for motion in layer.motions)
    return pulsing or any(scale_curve(layer, 0)) or any(scale_curve(layer, 1))


def max_scale(layer: Layer) -> tuple[float, float]:
    """Largest |scale| per axis over the layer's life; piecewise linear, so breakpoints suffice."""
    result = []
    for axis in (0, 1):
        keyframes, zoom = scale_curve(layer, axis)
        times = {t for t, _ in keyframes} | {t for t, _ in zoom} | {0, layer.duration_us}
        result.append(max(abs(scale_at(layer, axis, t)) for t in times) or 1.0)
    return result[0], result[1]


def reference_size(layer: Layer, src_w: float, src_h: float, canvas: tuple[int, int]) -> tuple[int, int]:
    """Pixel size the layer is prepared at (after crop, before rotation)."""
    crop = layer.crop
    if crop is not None:
        src_w, src_h = src_w * (crop.right - crop.left), src_h * (crop.bottom - crop.top)
    fit_w, fit_h = fit_size(src_w, src_h, *canvas)
    sx, sy = max_scale(layer)
    return max(2, round(fit_w * sx)), max(2, round(fit_h * sy))
