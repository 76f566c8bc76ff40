"""Filter and scene-effect names -> one typed colour operation (§5); graph/colour.py writes its ffmpeg text.

Filters and effects are opaque LUT/shader bundles; a few names say plainly what they do (black & white,
sepia, cool, warm, saturated, faded, vignette, blur, negative). Those become one operation at the item's
intensity, with every number decided here; every other name gives None and is reported by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Sepia as a colour matrix (rows r, g, b); mixed with the identity by intensity.
SEPIA = ((0.393, 0.769, 0.189), (0.349, 0.686, 0.168), (0.272, 0.534, 0.131))
TINT = 0.15  # colour balance shift of a cool/warm filter at full intensity


@dataclass(frozen=True)
class Saturation:
    """Scale the saturation (0 = grey)."""

    amount: float
    kind: Literal["saturation"] = "saturation"


@dataclass(frozen=True)
class Negate:
    """Invert every channel."""

    kind: Literal["negate"] = "negate"


@dataclass(frozen=True)
class ChannelMix:
    """Each output channel (rows r, g, b) as a weighted sum of the input's r, g, b."""

    matrix: tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]
    kind: Literal["channel_mix"] = "channel_mix"


@dataclass(frozen=True)
class Levels:
    """Saturation and contrast gains and a brightness offset; None leaves that one alone."""

    saturation: float | None = None
    contrast: float | None = None
    brightness: float | None = None
    kind: Literal["levels"] = "levels"


@dataclass(frozen=True)
class Balance:
    """Shift red and blue in the shadows and midtones (+red -blue is warmer)."""

    red: float
    blue: float
    kind: Literal["balance"] = "balance"


@dataclass(frozen=True)
class Vignette:
    """Darken the corners; `angle` (radians) is how far in the darkening reaches."""

    angle: float
    kind: Literal["vignette"] = "vignette"


@dataclass(frozen=True)
class Blur:
    """Gaussian blur of `sigma` output pixels."""

    sigma: float
    kind: Literal["blur"] = "blur"


@dataclass(frozen=True)
class Lut:
    """A .cube 3D LUT at full intensity; `path` is the draft's path of the file."""

    path: str
    kind: Literal["lut"] = "lut"


ColourOperation = Saturation | Negate | ChannelMix | Levels | Balance | Vignette | Blur | Lut

# (keywords, family), first match wins.
_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("黑白", "默片", "black", "mono"), "grey"),
    (("负片", "反转片", "negative"), "negate"),
    (("复古", "怀旧", "老照片", "老电影", "旧时", "sepia", "vintage"), "sepia"),
    (("褪色", "去灰", "fade"), "faded"),
    (("冷", "冰", "cool"), "cool"),
    (("暖", "日落", "夕阳", "橘", "warm"), "warm"),
    (("高饱和", "增色", "浓郁", "鲜", "saturat"), "saturated"),
    (("暗角", "vignette"), "vignette"),
    (("模糊", "blur"), "blur"),
)


def colour_family(name: str) -> str | None:
    """Which colour family a filter/effect name belongs to, or None."""
    lowered = name.lower()
    return next((family for words, family in _RULES if any(word in lowered for word in words)), None)


def _sepia(intensity: float) -> ChannelMix:
    rows = tuple(
        tuple(intensity * value + (1 - intensity) * (1.0 if i == j else 0.0) for j, value in enumerate(row))
        for i, row in enumerate(SEPIA)
    )
    return ChannelMix(rows)  # type: ignore[arg-type]  # three rows of three, as SEPIA


def colour_operation(name: str, intensity: float, canvas: tuple[int, int]) -> ColourOperation | None:
    """The operation approximating a filter/effect name at `intensity` (clamped to 0..1), or None."""
    family = colour_family(name)
    i = max(0.0, min(1.0, intensity))
    if family == "grey":
        return Saturation(1 - i)
    if family == "negate":
        return Negate()
    if family == "sepia":
        return _sepia(i)
    if family == "faded":
        return Levels(saturation=1 - 0.4 * i, contrast=1 - 0.25 * i, brightness=0.05 * i)
    if family in ("cool", "warm"):
        shift = (-1.0 if family == "cool" else 1.0) * TINT * i
        return Balance(red=shift, blue=-shift)
    if family == "saturated":
        return Levels(saturation=1 + 0.6 * i)
    if family == "vignette":
        return Vignette(0.2 + 0.5 * i)
    if family == "blur":
        return Blur(max(0.5, i * min(canvas) / 40))
    return None
