"""The benchmark scenarios: where their media and draft live in the work folder, and how to make them.

Shared by the parent (render_bench.py) and the per-measurement child (measure.py); both derive the same
paths from (work folder, scenario, duration), and media generation skips files that already exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks import drafts, media
from benchmarks.media import SEC


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    bare_target: float  # ours ÷ bare encode must stay at or under this
    moviepy: bool = True  # has a MoviePy twin in moviepy_comp.py


SCENARIOS = {
    "a": Scenario("a", "slideshow 1080×1920", 1.3),
    "b": Scenario("b", "talking head 1920×1080", 1.6),
    "c": Scenario("c", "faceless short 1080×1920", 1.3, moviepy=False),
    "d": Scenario("d", "B-roll montage 1080×1920", 1.6, moviepy=False),
}


def media_dir(work: Path, duration_s: float) -> Path:
    """Media depends on the duration (song and camera lengths), so it gets a folder per duration."""
    return work / f"media-{duration_s:g}s"


def draft_dir(work: Path, key: str, duration_s: float) -> Path:
    return work / f"draft_{key}-{duration_s:g}s"


def prepare(
    key: str, work: Path, duration_s: float
) -> (
    tuple[drafts.SlideshowPlan, media.SlideshowMedia]
    | tuple[drafts.TalkingHeadPlan, media.TalkingHeadMedia]
    | tuple[drafts.FacelessPlan, media.FacelessMedia]
    | tuple[drafts.BrollPlan, media.BrollMedia]
):
    """Plan and media of scenario `key` (media generated on first use)."""
    folder = media_dir(work, duration_s)
    if key == "a":
        return drafts.slideshow_plan(duration_s), media.slideshow_media(folder, duration_s)
    if key == "c":
        return drafts.faceless_plan(duration_s), media.faceless_media(folder, duration_s)
    if key == "d":
        broll = drafts.broll_plan(duration_s)
        return broll, media.broll_media(folder, duration_s, broll.clips, broll.clip_s)
    plan = drafts.talking_head_plan(duration_s)
    found = media.talking_head_media(
        folder, plan.source_needed_us / SEC, plan.overlay.duration_us / SEC, plan.duration_us / SEC
    )
    return plan, found


def write_draft(key: str, work: Path, duration_s: float) -> Path:
    """Generate media if needed and write the scenario's draft folder; returns the folder."""
    plan, found = prepare(key, work, duration_s)
    build = {
        "a": drafts.slideshow_draft,
        "b": drafts.talking_head_draft,
        "c": drafts.faceless_draft,
        "d": drafts.broll_draft,
    }[key]
    return drafts.write_draft(build(plan, found), draft_dir(work, key, duration_s))
