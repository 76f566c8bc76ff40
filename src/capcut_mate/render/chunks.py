"""Where a long timeline splits into chunks that render as independent ffmpeg runs. Pure, plan-level.

Every input of an ffmpeg run is opened and holds a decoded frame from the start (the graph cannot be
configured before it has one frame of each), so a run's memory grows with the layers it contains; chunks
bound it by what a span of the timeline shows, and let spans render side by side.

A cut may fall only on a frame that no transition, animation, keyframe curve or video clip spans: their
frames depend on time since their start, so each chunk would have to render them from there. Static stills
and captions may span a cut: each chunk simply shows its part.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction

from capcut_mate.render.model import Chunk, Layer

# No chunk (nor the last) shorter than this share of the target: a tiny chunk costs a run for little work.
MIN_SHARE = 0.5


def frame_rate(fps: float) -> Fraction:
    """The output rate as the exact fraction the graph uses (29.97 -> 30000/1001)."""
    return Fraction(fps).limit_denominator(1001)


def to_frame(us: int, rate: Fraction) -> int:
    """Output frame at timeline time `us` (nearest)."""
    return round(us * rate / 1_000_000)


def to_micros(frame: int, rate: Fraction) -> int:
    """Integer µs of a frame start; to_frame(to_micros(f)) == f."""
    return round(frame * 1_000_000 / rate)


def layer_frames(layer: Layer, rate: Fraction) -> tuple[int, int]:
    """[first, stop) frames the layer is shown, transition lead and tail included; at least one frame."""
    first = to_frame(layer.start_us, rate) - to_frame(layer.lead_us, rate)
    stop = to_frame(layer.start_us + layer.duration_us, rate) + to_frame(layer.tail_us, rate)
    return first, max(stop, first + 1)


def chunk_frames(chunk: Chunk, rate: Fraction) -> tuple[int, int]:
    return to_frame(chunk.start_us, rate), to_frame(chunk.end_us, rate)


def visible(layer: Layer, chunk: Chunk, rate: Fraction) -> bool:
    first, stop = layer_frames(layer, rate)
    start, end = chunk_frames(chunk, rate)
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

    Timelines up to 1.5 targets are not split; otherwise each cut is the allowed layer boundary nearest to
    one target after the previous cut, keeping every chunk at least MIN_SHARE of a target long.
    """
    rate = frame_rate(fps)
    total = max(1, to_frame(duration_us, rate))
    target = target_s * float(rate)
    whole = [Chunk(0, duration_us)]
    if target <= 0 or total <= 1.5 * target:
        return whole
    blocked = bytearray(total + 1)
    candidates: set[int] = set()
    for layer in layers:
        first, stop = layer_frames(layer, rate)
        candidates.update(f for f in (first, stop) if 0 < f < total)
        if rigid(layer) and stop - first > 1:
            low, high = max(0, first + 1), min(total, stop)
            blocked[low:high] = b"\x01" * max(0, high - low)
    cuts = sorted(f for f in candidates if not blocked[f])
    bounds = [0]
    while total - bounds[-1] > 1.5 * target:
        low, high = bounds[-1] + MIN_SHARE * target, total - MIN_SHARE * target
        options = [f for f in cuts if low <= f <= high]
        if not options:
            break
        bounds.append(min(options, key=lambda f: (abs(f - bounds[-1] - target), f)))
    edges = [to_micros(f, rate) for f in bounds] + [duration_us]
    return [Chunk(a, b) for a, b in itertools.pairwise(edges)]
