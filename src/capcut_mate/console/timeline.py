"""A draft document seen as the console draws it: one row per track, one block per segment, a ruler.

Pure data from the document the store returns, so the drawing is tested without a browser and the
template only places boxes. Positions are percentages of the draft's duration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from capcut_mate.drafts.listing import content_object, materials_by_id

# The keys of a material's display name
_NAME_KEYS = ("material_name", "name", "effect_name", "sticker_name")
_RULER_STEPS_US = (100_000, 250_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000)
_MAX_TICKS = 12


@dataclass(frozen=True)
class Block:
    segment_id: str
    start_us: int
    duration_us: int
    label: str
    left_pct: float
    width_pct: float


@dataclass
class Row:
    kind: str
    name: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Tick:
    time_us: int
    left_pct: float
    label: str


@dataclass
class Timeline:
    duration_us: int
    width: int
    height: int
    fps: float
    rows: list[Row]
    ticks: list[Tick]

    @property
    def segment_count(self) -> int:
        return sum(len(row.blocks) for row in self.rows)


def seconds_label(time_us: int) -> str:
    """`1.5s`, `12s`: short enough for a ruler tick."""
    return f"{time_us / 1_000_000:.2f}".rstrip("0").rstrip(".") + "s"


def _label(material: dict[str, Any] | None) -> str:
    """The caption's text, else the material's name; empty when the draft names nothing."""
    if material is None:
        return ""
    content = content_object(material)
    text = content.get("text") if content is not None else None
    if isinstance(text, str):
        return text
    for key in _NAME_KEYS:
        name = material.get(key)
        if isinstance(name, str) and name:
            return name
    return ""


def _ticks(duration_us: int) -> list[Tick]:
    if duration_us <= 0:
        return []
    minutes = -(-duration_us // (_MAX_TICKS * 60_000_000))  # past 12 min: whole minutes, still <= 12 steps
    step = next((s for s in _RULER_STEPS_US if duration_us / s <= _MAX_TICKS), minutes * 60_000_000)
    return [Tick(time, 100.0 * time / duration_us, seconds_label(time)) for time in range(0, duration_us + 1, step)]


def timeline(doc: dict[str, Any]) -> Timeline:
    duration = int(doc.get("duration") or 0)
    canvas = doc.get("canvas_config") or {}
    materials = {material_id: material for material_id, (_, material) in materials_by_id(doc).items()}
    rows = []
    for track in doc.get("tracks") or []:
        row = Row(kind=str(track.get("type", "")), name=str(track.get("name", "")))
        for seg in track.get("segments") or []:
            span = seg.get("target_timerange") or {}
            start, length = int(span.get("start", 0)), int(span.get("duration", 0))
            left = 100.0 * start / duration if duration else 0.0
            width = 100.0 * length / duration if duration else 0.0
            label = _label(materials.get(seg.get("material_id", "")))
            row.blocks.append(Block(str(seg.get("id", "")), start, length, label, left, min(width, 100.0 - left)))
        rows.append(row)
    return Timeline(
        duration_us=duration,
        width=int(canvas.get("width", 0)),
        height=int(canvas.get("height", 0)),
        fps=float(doc.get("fps") or 30.0),
        rows=rows,
        ticks=_ticks(duration),
    )
