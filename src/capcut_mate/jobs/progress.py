"""The seed's progress stages, and how renderer events map onto them.

10 picked up, 20 draft parsed, 30 environment ready, 30..50 media prepared, 70..89 encoding (driven by the
encoder's fraction), 90 file written into outputs, 100 completed. 90 is kept for "the file is in place",
so the encoder alone never reaches it.
"""

from __future__ import annotations

PICKED_UP = 10
DRAFT_PARSED = 20
ENVIRONMENT_READY = 30
MEDIA_READY = 50
ENCODING = 70
FILE_WRITTEN = 90
COMPLETED = 100

MILESTONES = {
    PICKED_UP: "picked up",
    DRAFT_PARSED: "draft parsed",
    ENVIRONMENT_READY: "environment ready",
    MEDIA_READY: "media prepared",
    ENCODING: "encoding",
    FILE_WRITTEN: "file written",
}


def stage_progress(stage: str, fraction: float) -> int:
    """Progress for one renderer event; callers keep the maximum, so progress never moves back."""
    f = min(1.0, max(0.0, fraction))
    if stage in ("parsed", "plan"):
        return DRAFT_PARSED
    if stage == "ready":
        return ENVIRONMENT_READY
    if stage == "prepare":
        return ENVIRONMENT_READY + int((MEDIA_READY - ENVIRONMENT_READY) * f)
    if stage == "encode":
        return min(FILE_WRITTEN - 1, ENCODING + int((FILE_WRITTEN - ENCODING) * f))
    if stage == "done":
        return FILE_WRITTEN - 1
    return 0


def milestone_between(old: int, new: int) -> str:
    """The name of the highest stage boundary crossed going from `old` to `new`, or ''."""
    crossed = [name for value, name in MILESTONES.items() if old < value <= new]
    return crossed[-1] if crossed else ""
