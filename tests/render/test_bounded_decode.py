"""A montage of many short video cuts decodes only what each run shows (render/chunking/cuts.py MAX_DECODERS)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from capcut_mate.render.chunking.cuts import MAX_DECODERS, split, visible
from capcut_mate.render.chunking.units import prepare_chunk
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.plan.model import Layer, Transform
from capcut_mate.render.timebase import Timebase
from tests.render.draftkit import Draft
from tests.render.helpers import render, rgb_frames, samples

SEC = 1_000_000
FPS = 30


def montage(media_dir: Path, cuts: int = 20, length_us: int = 300_000) -> Draft:
    """`cuts` back-to-back cuts taking turns from three clips (two with sound), smaller than the canvas."""
    draft = Draft(160, 96)
    track = draft.track("video", "broll")
    files = ("counter.mp4", "red.mp4", "blue.mp4")
    for n in range(cuts):
        seg = draft.video(track, media_dir / files[n % 3], n * length_us, length_us, source_start=(n // 3) * 100_000)
        seg["clip"]["scale"] = {"x": 0.8, "y": 0.8}
    return draft


def test_a_montage_renders_in_chunks_that_each_open_few_decoders(media_dir: Path, tmp_path: Path) -> None:
    """20 cuts in 6 s: short enough for one pass by length, but that run would open 20 decoders at once. Each chunk
    opens at most MAX_DECODERS, and the frames and sound are those of the single pass."""
    draft = montage(media_dir)
    plan = build_plan(draft.doc)
    timebase = Timebase.of(plan.fps)
    assert len(plan.chunks) > 1
    for index, chunk in enumerate(plan.chunks):
        shown = [layer for layer in plan.layers if visible(layer, chunk, timebase)]
        assert 0 < len(shown) <= MAX_DECODERS
        graph, _ = prepare_chunk(plan, index, lambda p: Path(p), tmp_path / f"c{index}", RenderOptions())
        assert len(graph.inputs) == len(shown)
    single = render(draft.doc, media_dir, tmp_path / "single.mp4", crf=0, preset="ultrafast", chunk_seconds=0)
    chunked = render(draft.doc, media_dir, tmp_path / "chunked.mp4", crf=0, preset="ultrafast")
    assert chunked.duration_us == single.duration_us == 6 * SEC
    a, b = rgb_frames(tmp_path / "single.mp4"), rgb_frames(tmp_path / "chunked.mp4")
    assert len(a) == len(b) == 180
    assert max(float(np.abs(x - y).max()) for x, y in zip(a, b, strict=True)) <= 2
    (sound_a, _), (sound_b, _) = samples(tmp_path / "single.mp4"), samples(tmp_path / "chunked.mp4")
    assert len(sound_a) == len(sound_b) and np.abs(sound_a - sound_b).max() < 2e-3


def clip(start: int, length: int, kind: str = "video") -> Layer:
    return Layer("s", "t", kind, start, length, Transform())  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 40), min_size=1, max_size=60),
    stills=st.lists(st.tuples(st.integers(0, 600), st.integers(1, 200)), max_size=5),
    target=st.sampled_from([1.0, 3.0, 10.0]),
)
def test_chunks_show_at_most_max_decoders_where_cuts_allow(
    lengths: list[int], stills: list[tuple[int, int]], target: float
) -> None:
    """Back-to-back cuts (frames long) under some stills: chunks tile the timeline and none shows more than
    MAX_DECODERS video clips, since every cut boundary is an allowed cut."""
    frame_us = SEC // FPS
    layers, at = [], 0
    for length in lengths:
        layers.append(clip(at * frame_us, length * frame_us))
        at += length
    layers += [clip(s * frame_us, n * frame_us, "photo") for s, n in stills]
    duration = max(layer.start_us + layer.duration_us for layer in layers)
    chunks = split(layers, duration, FPS, target)
    assert chunks[0].start_us == 0 and chunks[-1].end_us == duration
    assert all(a.end_us == b.start_us for a, b in itertools.pairwise(chunks))
    assert all(chunk.start_us < chunk.end_us for chunk in chunks)
    timebase = Timebase.of(FPS)
    for chunk in chunks:
        assert sum(visible(layer, chunk, timebase) for layer in layers if layer.kind == "video") <= MAX_DECODERS
