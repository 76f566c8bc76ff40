"""Where a long timeline splits into chunks that render as independent ffmpeg runs. Pure, plan-level.

Every input of an ffmpeg run is opened and holds a decoded frame from the start (the graph cannot be
configured before it has one frame of each), so a run's memory grows with the layers it contains; chunks
bound it by what a span of the timeline shows, and let spans render side by side.

Each video clip a run shows is one more decoder open from the run's start, holding its frame queue (about
30 MB at 1080p, beside x264's ~300 MB): a chunk also ends before it would show more than MAX_DECODERS video
clips, so a montage of short cuts renders in short chunks and its memory is bounded by what a chunk shows.

A cut may fall only on a frame that no transition, animation, keyframe curve or video clip spans: their
frames depend on time since their start, so each chunk would have to render them from there. Static stills
and captions may span a cut: each chunk simply shows its part.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from capcut_mate.render.plan.model import Chunk, Layer
from capcut_mate.render.timebase import Timebase

# No chunk (nor the last) shorter than this share of the target: a tiny chunk costs a run for little work.
MIN_SHARE = 0.5
# Video clips one chunk shows at most (when cuts allow): a run of 4 at 1080p held ~420 MB, of 17 810 MB.
MAX_DECODERS = 3


def layer_frames(layer: Layer, timebase: Timebase) -> tuple[int, int]:
    """[first, stop) frames the layer is shown, transition lead and tail included (as the graph draws it)."""
    first = timebase.frame(layer.start_us - layer.lead_us)
    return first, max(first + 1, timebase.frame(layer.start_us + layer.duration_us + layer.tail_us))


def chunk_frames(chunk: Chunk, timebase: Timebase) -> tuple[int, int]:
    return timebase.frame(chunk.start_us), timebase.frame(chunk.end_us)


def visible(layer: Layer, chunk: Chunk, timebase: Timebase) -> bool:
    first, stop = layer_frames(layer, timebase)
    start, end = chunk_frames(chunk, timebase)
    return first < end and stop > start


def rigid(layer: Layer) -> bool:
    """Whether the layer's look changes with time inside it, so resuming it mid-way means replaying it."""
    return (
        layer.kind == "video"
        or bool(layer.transform.keyframes)
        or bool(layer.motions)
        or layer.lead_us > 0
        or layer.tail_us > 0
    )


def split(layers: Sequence[Layer], duration_us: int, fps: float, target_s: float) -> list[Chunk]:
    """Chunks of about `target_s` seconds cut at allowed frames; one chunk when the timeline is short.

    Timelines up to 1.5 targets showing at most MAX_DECODERS video clips are not split; otherwise each cut is
    the allowed layer boundary nearest to one target after the previous cut, keeping every chunk at least
    MIN_SHARE of a target long, unless that chunk would show more than MAX_DECODERS video clips: then it is
    the latest allowed cut that keeps it within them (or, when none does, the earliest allowed cut).
    """
    timebase = Timebase.of(fps)
    total = timebase.frame_count(duration_us)
    target = target_s * float(timebase.rate)
    whole = [Chunk(0, duration_us)]
    videos = sorted(layer_frames(layer, timebase) for layer in layers if layer.kind == "video")
    if target <= 0 or (total <= 1.5 * target and len(videos) <= MAX_DECODERS):
        return whole
    blocked = bytearray(total + 1)
    candidates: set[int] = set()
    for layer in layers:
        first, stop = layer_frames(layer, timebase)
        candidates.update(f for f in (first, stop) if 0 < f < total)
        if rigid(layer) and stop - first > 1:
            low, high = max(0, first + 1), min(total, stop)
            blocked[low:high] = b"\x01" * max(0, high - low)
    cuts = sorted(f for f in candidates if not blocked[f])
    bounds = [0]
    while True:
        start = bounds[-1]
        fits = _decoders(videos, start, total) <= MAX_DECODERS
        if fits and total - start <= 1.5 * target:
            break
        earliest, latest = start + MIN_SHARE * target, total - MIN_SHARE * target
        options = [f for f in cuts if earliest <= f <= latest]
        nearest = min(options, key=lambda f: (abs(f - start - target), f)) if options else None
        if nearest is not None and _decoders(videos, start, nearest) <= MAX_DECODERS:
            bounds.append(nearest)
            continue
        if nearest is None and fits:
            break
        later = cuts[bisect.bisect_right(cuts, start) :]
        if not later:
            break
        # The count only grows with the chunk's end: the latest cut within the cap, by bisection.
        keep = bisect.bisect_right(later, MAX_DECODERS, key=lambda f: _decoders(videos, start, f))
        bounds.append(later[keep - 1] if keep else later[0])
    edges = [timebase.us(f) for f in bounds] + [duration_us]
    return [Chunk(a, b) for a, b in itertools.pairwise(edges)]


def _decoders(videos: Sequence[tuple[int, int]], start: int, end: int) -> int:
    """How many of the video clips' [first, stop) frame spans a run of frames [start, end) shows."""
    return sum(1 for first, stop in videos if first < end and stop > start)
