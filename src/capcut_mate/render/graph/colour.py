"""Filter and scene-effect names -> one ffmpeg colour filter (§5).

Filters and effects are opaque LUT/shader bundles; a few names say plainly what they do (black & white,
sepia, cool, warm, saturated, faded, vignette, blur, negative). Those become one timeline-enabled filter at
the item's intensity; every other name returns None and is reported by the caller.
"""

from __future__ import annotations

from capcut_mate.render.graph.expr import num

# Sepia as a colour matrix (rows r, g, b); mixed with the identity by intensity.
SEPIA = ((0.393, 0.769, 0.189), (0.349, 0.686, 0.168), (0.272, 0.534, 0.131))
TINT = 0.15  # colorbalance shift of a cool/warm filter at full intensity


def _sepia(intensity: float) -> str:
    parts = []
    for i, (row, channel) in enumerate(zip(SEPIA, "rgb", strict=True)):
        for j, (value, source) in enumerate(zip(row, "rgb", strict=True)):
            mixed = intensity * value + (1 - intensity) * (1.0 if i == j else 0.0)
            parts.append(f"{channel}{source}={num(mixed)}")
    return "colorchannelmixer=" + ":".join(parts)


def _tint(sign: float, intensity: float) -> str:
    shift = num(sign * TINT * intensity)
    back = num(-sign * TINT * intensity)
    return f"colorbalance=rs={shift}:rm={shift}:bs={back}:bm={back}"


# (keywords, builder of the filter at an intensity 0..1), first match wins.
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


def colour_filter(name: str, intensity: float, canvas: tuple[int, int]) -> str | None:
    """One ffmpeg filter (no commas, so `:enable=` can follow) approximating the name, or None."""
    family = colour_family(name)
    i = max(0.0, min(1.0, intensity))
    if family == "grey":
        return f"hue=s={num(1 - i)}"
    if family == "negate":
        return "negate"
    if family == "sepia":
        return _sepia(i)
    if family == "faded":
        return f"eq=saturation={num(1 - 0.4 * i)}:contrast={num(1 - 0.25 * i)}:brightness={num(0.05 * i)}"
    if family in ("cool", "warm"):
        return _tint(-1.0 if family == "cool" else 1.0, i)
    if family == "saturated":
        return f"eq=saturation={num(1 + 0.6 * i)}"
    if family == "vignette":
        return f"vignette=angle={num(0.2 + 0.5 * i)}"
    if family == "blur":
        return f"gblur=sigma={num(max(0.5, i * min(canvas) / 40))}"
    return None
