"""Parametric masks (§5) drawn once as an L-mode alpha image in material space, so the graph only merges it."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from capcut_mate.render.plan.model import Mask

# Heart curve (x² + y² − 1)³ = x²y³ spans x ±1.139 and y −1..1.236; centred, its half height is 1.118.
HEART_HALF_W, HEART_HALF_H, HEART_SHIFT = 1.139, 1.118, 0.118
# A regular five-pointed star: inner radius / outer radius.
STAR_INNER = 0.382


def _heart(u: np.ndarray, v: np.ndarray, half_w: float, half_h: float) -> np.ndarray:
    x = u / half_w * HEART_HALF_W
    y = -v / half_h * HEART_HALF_H + HEART_SHIFT  # image rows grow downwards; the curve's y is up
    return (x**2 + y**2 - 1) ** 3 - x**2 * y**3 <= 0


def _star(u: np.ndarray, v: np.ndarray, half_w: float, half_h: float) -> np.ndarray:
    """Inside a star with a point straight up: compare the radius with the edge between point and notch."""
    x, y = u / half_w, -v / half_h
    radius = np.hypot(x, y)
    sector = math.radians(72)
    phi = np.mod(np.arctan2(x, y), sector)  # angle from the nearest point clockwise
    phi = np.minimum(phi, sector - phi)
    notch = math.radians(36)
    edge = STAR_INNER * math.sin(notch) / (np.sin(phi) + STAR_INNER * np.sin(notch - phi))
    return radius <= edge


def mask_image(mask: Mask, size: tuple[int, int]) -> Image.Image:
    """An L-mode alpha mask in material space (§5): centre in half-size units (y up), sizes as fractions."""
    w, h = size
    cx, cy = w / 2 + mask.center_x * w / 2, h / 2 - mask.center_y * h / 2
    half_w, half_h = max(mask.width * w / 2, 0.5), max(mask.height * h / 2, 0.5)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = math.radians(mask.rotation)
    dx, dy = xs + 0.5 - cx, ys + 0.5 - cy
    u = dx * math.cos(angle) + dy * math.sin(angle)  # undo the clockwise rotation
    v = -dx * math.sin(angle) + dy * math.cos(angle)
    if mask.shape == "circle":
        inside = (u / half_w) ** 2 + (v / half_h) ** 2 <= 1.0
    elif mask.shape == "rectangle":
        radius = mask.round_corner * min(half_w, half_h)
        qx, qy = np.maximum(np.abs(u) - half_w + radius, 0), np.maximum(np.abs(v) - half_h + radius, 0)
        inside = (np.abs(u) <= half_w) & (np.abs(v) <= half_h) & (qx**2 + qy**2 <= radius**2 + 1e-6)
    elif mask.shape == "heart":
        inside = _heart(u, v, half_w, half_h)
    elif mask.shape == "star":
        inside = _star(u, v, half_w, half_h)
    elif mask.shape == "line":
        inside = v <= 0  # keeps the upper side
    else:  # mirror: the band between two parallel lines
        inside = np.abs(v) <= half_h
    image = Image.fromarray(np.where(inside, 255, 0).astype(np.uint8))
    if mask.feather > 0:
        image = image.filter(ImageFilter.GaussianBlur(mask.feather * min(half_w, half_h) / 2))
    return ImageOps.invert(image) if mask.invert else image
