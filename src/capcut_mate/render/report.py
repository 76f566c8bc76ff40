"""The render report: what came out, how long each stage took, and every approximation made."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RenderReport:
    """Kept by the job and printed by the CLI; `warnings` items are {segment_id, track, feature, message}."""

    output: str
    duration_us: int
    width: int
    height: int
    fps: float
    size_bytes: int
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: dict[str, Any] = field(default_factory=dict)  # format, quality and codec settings used
    # per unit of a chunked render (the audio, each chunk): whether it was reused from the chunk cache, and in a
    # cluster who rendered it
    chunks: list[dict[str, Any]] = field(default_factory=list)
    # With loudness or duck asked for: loudness_target_lufs, loudness_lufs (measured on the output), ducked_db.
    audio: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
