"""Cuts anchored to the timeline (render/chunking/cuts.py): a small edit moves only the chunks around it, so a
re-render reuses every other chunk from the cache."""

from __future__ import annotations

import dataclasses
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from capcut_mate.render.chunking.cuts import MIN_SHARE, allowed_cuts, split
from capcut_mate.render.plan.model import Chunk, Layer, Motion, Transform
from capcut_mate.render.timebase import Timebase

FPS = 30
FRAME_US = 1_000_000 // FPS


def layer(kind: str, first: int, frames: int, *, moving: bool = False) -> Layer:
    motions = (Motion("zoom", 0, frames * FRAME_US),) if moving else ()
    return Layer(f"{kind}{first}", kind, kind, first * FRAME_US, frames * FRAME_US, Transform(), motions=motions)  # type: ignore[arg-type]


@st.composite
def timelines(draw: st.DrawFn) -> tuple[list[Layer], int]:
    """Back-to-back background clips (mostly still photos, some moving, some videos) under word-by-word
    captions (some animated), so allowed cuts are dense; returns the layers and the index of the caption to
    edit."""
    layers, at = [], 0
    for _ in range(draw(st.integers(1, 8))):
        frames = draw(st.integers(30, 900))
        kind = draw(st.sampled_from(["photo", "photo", "photo", "video"]))
        layers.append(layer(kind, at, frames, moving=kind == "photo" and draw(st.integers(0, 3)) == 0))
        at += frames
    captions, first = [], 0
    while first < at:
        frames = draw(st.integers(5, 60))
        captions.append(layer("text", first, frames, moving=draw(st.integers(0, 9)) == 0))
        first += frames + draw(st.integers(0, 10))
    return layers + captions, len(layers) + draw(st.integers(0, len(captions) - 1))


def duration(layers: list[Layer]) -> int:
    return max(item.start_us + item.duration_us for item in layers)


def assert_only_near(before: list[Chunk], after: list[Chunk], low_us: int, high_us: int) -> None:
    """Every chunk of `before` farther than one chunk from the span [low_us, high_us) is in `after` too."""
    touched = [n for n, chunk in enumerate(before) if chunk.start_us < high_us and chunk.end_us > low_us]
    first, last = (min(touched), max(touched)) if touched else (len(before) - 1, len(before) - 1)
    kept = set(after)
    for n, chunk in enumerate(before):
        if n < first - 1 or n > last + 1:
            assert chunk in kept, (n, chunk, low_us, high_us)


@settings(max_examples=300, deadline=None)
@given(
    timeline=timelines(),
    shift=st.integers(-30, 30),
    stretch=st.integers(-30, 30),
    target=st.sampled_from([1.0, 2.0, 5.0]),
)
def test_moving_one_caption_changes_only_the_chunks_around_it(
    timeline: tuple[list[Layer], int], shift: int, stretch: int, target: float
) -> None:
    """A caption moved or resized within a second of where it was: every chunk more than one chunk away from
    the edit keeps its exact span (a greedy chain of cuts would move every later one)."""
    layers, index = timeline
    old = layers[index]
    start = max(0, old.start_us + shift * FRAME_US)
    length = max(FRAME_US, old.duration_us + stretch * FRAME_US)
    edited = [*layers]
    edited[index] = dataclasses.replace(old, start_us=start, duration_us=length)
    before = split(layers, duration(layers), FPS, target)
    after = split(edited, duration(edited), FPS, target)
    assert_only_near(before, after, min(old.start_us, start), max(old.start_us + old.duration_us, start + length))


@settings(max_examples=100, deadline=None)
@given(timeline=timelines(), target=st.sampled_from([1.0, 2.0, 5.0]))
def test_cuts_fall_on_allowed_frames_and_chunks_keep_their_minimum(
    timeline: tuple[list[Layer], int], target: float
) -> None:
    """The chunks tile the timeline, every cut is an allowed frame, and a chunk under MIN_SHARE of a target
    exists only where the MAX_DECODERS cap asked for it."""
    layers, _ = timeline
    total_us = duration(layers)
    chunks = split(layers, total_us, FPS, target)
    timebase = Timebase.of(FPS)
    assert chunks[0].start_us == 0 and chunks[-1].end_us == total_us
    assert all(a.end_us == b.start_us and a.start_us < a.end_us for a, b in itertools.pairwise(chunks))
    allowed = set(allowed_cuts(layers, timebase, timebase.frame_count(total_us)))
    assert all(timebase.frame(chunk.start_us) in allowed for chunk in chunks[1:])
    if len(chunks) > 1 and sum(item.kind == "video" for item in layers) == 0:
        assert all(timebase.frame(c.end_us) - timebase.frame(c.start_us) >= MIN_SHARE * target * FPS for c in chunks)


def test_a_caption_edit_leaves_far_cuts_where_they_were() -> None:
    """The regression the issue names: 60 s of word-by-word captions over a still, the first cut at the 31st
    word's start; that word moved 3 frames later moves the first cut 2 frames earlier, and every later cut
    stays where it was (a greedy chain, each cut a target after the previous, moved them all)."""
    still = layer("photo", 0, 1800)
    words = [layer("text", n * 10, 8) for n in range(180)]
    before = split([still, *words], 60_000_000, FPS, 10.0)
    words[30] = layer("text", 303, 8)
    after = split([still, *words], 60_000_000, FPS, 10.0)
    assert before[0] == Chunk(0, 10_000_000) and after[0] == Chunk(0, Timebase.of(FPS).us(298))
    assert len(after) == 6 and after[1:] == [Chunk(after[0].end_us, before[1].end_us), *before[2:]]
