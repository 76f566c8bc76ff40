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
import math
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

    Cuts are anchored to the timeline, not to each other, so an edit moves only the cuts near it and a
    re-render reuses every other chunk from the cache. Timelines up to 1.5 targets showing at most
    MAX_DECODERS video clips are not split. Otherwise each grid point k·target (k = 1, 2, ... up to half a
    target before the end) takes the allowed frame nearest to it within half a target either side, on its
    own; of two such cuts less than MIN_SHARE of a target apart, the one farther from its grid point is
    dropped (judged on the picks, not on what survives, so the decision stays local). Every chunk, the first
    and last included, is at least MIN_SHARE of a target long. A chunk that would still show more than
    MAX_DECODERS video clips is split further on its own: each sub-cut the latest allowed frame keeping its
    part within them (or, when none does, the earliest allowed frame).
    """
    timebase = Timebase.of(fps)
    total = timebase.frame_count(duration_us)
    target = target_s * float(timebase.rate)
    whole = [Chunk(0, duration_us)]
    videos = sorted(layer_frames(layer, timebase) for layer in layers if layer.kind == "video")
    if target <= 0 or (total <= 1.5 * target and len(videos) <= MAX_DECODERS):
        return whole
    cuts = allowed_cuts(layers, timebase, total)
    shortest = MIN_SHARE * target
    bounds = [0, *_grid_cuts([f for f in cuts if shortest <= f <= total - shortest], target, total), total]
    edges = [0]
    for start, end in itertools.pairwise(bounds):
        edges += _within_decoders([f for f in cuts if start < f < end], videos, start, end)
        edges.append(end)
    return [Chunk(timebase.us(a), timebase.us(b) if b < total else duration_us) for a, b in itertools.pairwise(edges)]


def allowed_cuts(layers: Sequence[Layer], timebase: Timebase, total: int) -> list[int]:
    """Frames inside the timeline where some layer starts or stops and no rigid layer is mid-way, sorted."""
    blocked = bytearray(total + 1)
    candidates: set[int] = set()
    for layer in layers:
        first, stop = layer_frames(layer, timebase)
        candidates.update(f for f in (first, stop) if 0 < f < total)
        if rigid(layer) and stop - first > 1:
            low, high = max(0, first + 1), min(total, stop)
            blocked[low:high] = b"\x01" * max(0, high - low)
    return sorted(f for f in candidates if not blocked[f])


def _grid_cuts(cuts: Sequence[int], target: float, total: int) -> list[int]:
    """Per grid point k·target (up to MIN_SHARE·target before the end, so the last chunk is not a sliver),
    the cut nearest to it within half a target (ties: the earlier); then, of two picks closer than
    MIN_SHARE·target, the one nearer its grid point stays (ties: the earlier)."""
    picks: dict[int, int] = {}  # grid index -> cut
    for cut in cuts:
        k = max(1, math.floor(cut / target + 0.5))
        if k * target > total - MIN_SHARE * target:
            continue
        if k not in picks or abs(cut - k * target) < abs(picks[k] - k * target):
            picks[k] = cut
    order = sorted(picks.items(), key=lambda item: item[1])
    shortest = MIN_SHARE * target

    def beaten(i: int, j: int) -> bool:
        """Whether pick i conflicts with its neighbour j and loses to it."""
        if not 0 <= j < len(order) or abs(order[i][1] - order[j][1]) >= shortest:
            return False
        (ki, ci), (kj, cj) = order[i], order[j]
        return (abs(cj - kj * target), cj) < (abs(ci - ki * target), ci)

    return [cut for i, (_, cut) in enumerate(order) if not beaten(i, i - 1) and not beaten(i, i + 1)]


def _within_decoders(cuts: Sequence[int], videos: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    """Sub-cuts of the run [start, end) (from `cuts`, all inside it) so no part shows more than MAX_DECODERS
    video clips where the cuts allow: each the latest keeping its part within them, else the earliest."""
    bounds = [start]
    while _decoders(videos, bounds[-1], end) > MAX_DECODERS:
        later = cuts[bisect.bisect_right(cuts, bounds[-1]) :]
        if not later:
            break
        # The count only grows with the part's end: the latest cut within the cap, by bisection.
        keep = bisect.bisect_right(later, MAX_DECODERS, key=lambda f: _decoders(videos, bounds[-1], f))
        bounds.append(later[keep - 1] if keep else later[0])
    return bounds[1:]


def _decoders(videos: Sequence[tuple[int, int]], start: int, end: int) -> int:
    """How many of the video clips' [first, stop) frame spans a run of frames [start, end) shows."""
    return sum(1 for first, stop in videos if first < end and stop > start)
