"""Long and busy timelines: render cost must not grow with the number of segments (issue 13)."""

from __future__ import annotations

from pathlib import Path

from capcut_mate.render import DraftMediaResolver
from capcut_mate.render.graph import build_graph
from capcut_mate.render.plan import build_plan
from capcut_mate.render.prepare import Preparer
from tests.render.draftkit import Draft
from tests.render.helpers import render, rgb_frames

SEC = 1_000_000
FPS = 30


def karaoke(count: int, width: int = 160, height: int = 96) -> tuple[Draft, list[tuple[int, int, str]]]:
    """`count` word-by-word captions of 0.33 s on one track, at odd µs times with short gaps between them."""
    draft = Draft(width, height)
    track = draft.track("text", "words")
    captions = []
    for i in range(count):
        start = round(i * 412_345.6) + 17
        duration = 330_000 + (i * 37) % 1000
        word = "I" if i % 2 else "MMM"  # narrow and wide, so a frame shows which caption is up
        seg = draft.text(track, word, start, duration)
        seg["clip"]["transform"] = {"x": 0.0, "y": -0.3}
        captions.append((start, start + duration, word))
    return draft, captions


def frame_of(us: int) -> int:
    return round(us * FPS / SEC)


def test_500_word_captions_on_one_track_each_in_its_window(media_dir: Path, tmp_path: Path) -> None:
    draft, captions = karaoke(500)
    render(draft.doc, media_dir, tmp_path / "out.mp4", preset="ultrafast")
    frames = rgb_frames(tmp_path / "out.mp4")
    assert len(frames) == frame_of(captions[-1][1])

    def white(n: int) -> int:
        return int((frames[n].min(axis=2) > 100).sum())

    wide = white((frame_of(captions[0][0]) + frame_of(captions[0][1])) // 2)
    narrow = white((frame_of(captions[1][0]) + frame_of(captions[1][1])) // 2)
    assert wide > 2 * narrow > 0
    middle = (wide + narrow) / 2
    for i in (0, 1, 2, 137, 250, 251, 498, 499):
        start, end, word = captions[i]
        first, stop = frame_of(start), frame_of(end)
        for n in (first, (first + stop) // 2, stop - 1):
            shown = white(n)
            assert (shown > middle) if word == "MMM" else (narrow / 2 < shown < middle), (i, n)
        if i > 0:
            assert white(first - 1) == 0, i  # the gap before it is empty
        if stop < len(frames):
            assert white(stop) == 0, i  # and so is the frame after it


def test_filter_arguments_do_not_grow_with_the_caption_count(media_dir: Path, tmp_path: Path) -> None:
    """The longest line of the filter script is as long for 200 captions on a track as for 10 (give or take digits)."""
    longest = []
    for count in (10, 200):
        draft, _ = karaoke(count)
        plan = build_plan(draft.doc)
        work = tmp_path / str(count)
        work.mkdir()
        prepared = Preparer(plan, DraftMediaResolver(media_dir), work, None).run()
        assert len(prepared.strips) == 1
        graph = build_graph(plan, prepared)
        longest.append(max(len(line) for line in graph.script.splitlines()))
        assert len(graph.inputs) == 1
    assert longest[1] <= longest[0] + 8  # a sum of one between() per caption would add ~40 characters each
