"""Long and busy timelines: render cost must not grow with the number of segments (issue 13)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render import DraftMediaResolver, RenderError, RenderOptions, render_draft
from capcut_mate.render.chunking.units import render_chunk
from capcut_mate.render.graph.build import build_graph
from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.plan.model import Chunk
from capcut_mate.render.prepare.inputs import Preparer
from capcut_mate.render.timebase import Timebase
from tests.render.draftkit import Draft, keyframes
from tests.render.helpers import render, rgb_frames, samples

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
    return Timebase.of(FPS).frame(us)


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


def busy(media_dir: Path, tmp_path: Path) -> Draft:
    """6 s on a tiny canvas: Ken Burns photos every 0.75 s with a dissolve at 4.5 s, a counter clip, a static PiP
    and static captions spanning several cuts, a faded tone under it all."""
    pattern = tmp_path / "pattern.png"
    gradient = np.linspace(0, 255, 320, dtype=np.uint8)
    Image.fromarray(np.stack([np.tile(gradient, (240, 1)), np.tile(gradient[::-1], (240, 1)),
                              np.full((240, 320), 90, np.uint8)], axis=2)).save(pattern)  # fmt: skip
    draft = Draft(160, 96)
    main = draft.track("video", "photos")
    for n in range(8):
        seg = draft.video(main, pattern if n % 2 else media_dir / "red.png", n * 750_000, 750_000, photo=True)
        seg["common_keyframes"] = [keyframes("KFTypeScaleX", [(0, 1.0), (750_000, 1.3)]),
                                   keyframes("KFTypePositionX", [(0, -0.1), (750_000, 0.1)])]  # fmt: skip
        if n == 5:
            draft.refer(seg, "transitions", {"type": "transition", "name": "叠化", "duration": 400_000})
    clip = draft.video(draft.track("video", "clip"), media_dir / "counter.mp4", 2_250_000, 1_500_000)
    clip["clip"]["scale"] = {"x": 0.4, "y": 0.4}
    clip["clip"]["transform"] = {"x": -0.5, "y": 0.5}
    pip = draft.video(draft.track("video", "pip"), media_dir / "red.png", 400_000, 4_700_000, photo=True)
    pip["clip"]["scale"] = {"x": 0.25, "y": 0.25}
    pip["clip"]["transform"] = {"x": 0.6, "y": 0.6}
    words = draft.track("text", "words")
    for n in range(8):
        draft.text(words, "MMM" if n % 2 else "I", 123_457 + n * 700_001, 650_000)["clip"]["transform"]["y"] = -0.5
    draft.audio(draft.track("audio"), media_dir / "tone.mp3", 0, 3 * SEC, fade_in=500_000, fade_out=800_000)
    draft.audio(draft.track("audio"), media_dir / "tone.mp3", 3 * SEC, 3 * SEC, fade_in=300_000)
    return draft


def test_chunks_cut_only_where_nothing_moving_spans_and_short_drafts_stay_whole(
    media_dir: Path, tmp_path: Path
) -> None:
    draft = busy(media_dir, tmp_path)
    assert build_plan(draft.doc).chunks == (Chunk(0, 6 * SEC),)  # 6 s < 1.5 × the 10 s default: one pass
    assert build_plan(draft.doc, RenderOptions(chunk_seconds=0)).chunks == (Chunk(0, 6 * SEC),)
    plan = build_plan(draft.doc, RenderOptions(chunk_seconds=1.0))
    chunks = plan.chunks
    assert len(chunks) >= 4 and chunks[0].start_us == 0 and chunks[-1].end_us == 6 * SEC
    assert all(a.end_us == b.start_us for a, b in itertools.pairwise(chunks))
    cuts = {frame_of(c.start_us) for c in chunks[1:]}
    assert cuts <= {frame_of(n * 750_000) for n in range(1, 8)}  # photo boundaries only ...
    assert not any(68 < cut < 113 or 129 <= cut <= 141 for cut in cuts)  # ... outside the clip and the dissolve
    assert all(frame_of(c.end_us - c.start_us) >= 15 for c in chunks)  # none under half the target


def test_chunked_render_matches_single_pass_at_every_join(media_dir: Path, tmp_path: Path) -> None:
    """Lossless encodes of both: the same frames everywhere (so none frozen, doubled or shifted at a join), the
    same duration to the frame, and the same sound across each join."""
    draft = busy(media_dir, tmp_path)
    single = render(draft.doc, media_dir, tmp_path / "single.mp4", crf=0, preset="ultrafast")
    chunked = render(draft.doc, media_dir, tmp_path / "chunked.mp4", crf=0, preset="ultrafast", chunk_seconds=1.0)
    assert "chunks" in chunked.notes[-1] and not any("chunks" in note for note in single.notes)
    assert chunked.duration_us == single.duration_us == 6 * SEC
    assert sorted(map(str, chunked.warnings)) == sorted(map(str, single.warnings))
    a, b = rgb_frames(tmp_path / "single.mp4"), rgb_frames(tmp_path / "chunked.mp4")
    assert len(a) == len(b) == 180
    joins = [frame_of(c.start_us) for c in build_plan(draft.doc, RenderOptions(chunk_seconds=1.0)).chunks[1:]]
    for join in joins:
        for n in (join - 2, join - 1, join, join + 1):
            assert np.abs(a[n] - b[n]).max() <= 2, (join, n)
        assert np.abs(a[join] - b[join - 1]).mean() > 5, join  # neighbours differ: a shift would show
    assert max(float(np.abs(x - y).max()) for x, y in zip(a, b, strict=True)) <= 2
    (sound_a, rate), (sound_b, _) = samples(tmp_path / "single.mp4"), samples(tmp_path / "chunked.mp4")
    assert len(sound_a) == len(sound_b)
    for join in joins:
        at = round(join / FPS * rate)
        assert np.abs(sound_a[at - 2048 : at + 2048] - sound_b[at - 2048 : at + 2048]).max() < 1e-3


def test_a_failed_chunk_is_retried_alone_and_progress_never_goes_back(media_dir: Path, tmp_path: Path) -> None:
    """An ffmpeg that dies on its first run of chunk 2 (a crashed or killed process): the render still completes."""
    real = ffmpeg_exe()
    marker = tmp_path / "failed-once"
    wrapper = tmp_path / "ffmpeg"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'case "$*" in *chunk002.mp4*) if [ ! -e "{marker}" ]; then touch "{marker}"; exit 3; fi;; esac\n'
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)
    draft = busy(media_dir, tmp_path)
    seen: list[tuple[str, float]] = []
    report = render_draft(
        draft.doc,
        DraftMediaResolver(media_dir),
        tmp_path / "out.mp4",
        RenderOptions(ffmpeg=str(wrapper), chunk_seconds=1.0, chunk_workers=2, preset="ultrafast"),
        on_progress=lambda stage, fraction: seen.append((stage, fraction)),
    )
    assert marker.exists()
    assert len(rgb_frames(tmp_path / "out.mp4")) == 180 and report.duration_us == 6 * SEC
    encode = [fraction for stage, fraction in seen if stage == "encode"]
    assert encode == sorted(encode) and encode[-1] == pytest.approx(1.0) and len(encode) > 3
    assert [stage for stage, _ in seen][-1] == "done"


def test_cli_chunk_flags(media_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from capcut_mate.cli import app

    folder = busy(media_dir, tmp_path).save(tmp_path / "draft")
    out = tmp_path / "out.mp4"
    args = [
        "render",
        str(folder),
        "-o",
        str(out),
        "--preset",
        "ultrafast",
        "--chunk-seconds",
        "2",
        "--chunk-workers",
        "2",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out.mp4.report.json").read_text())
    assert report["notes"][-1].startswith("rendered in 3 chunks, 2 at a time") and report["duration_us"] == 6 * SEC
    assert len(rgb_frames(out)) == 180


def test_one_chunk_renders_alone_from_the_plan(media_dir: Path, tmp_path: Path) -> None:
    """render_chunk is what a queue job on another machine runs: plan + chunk index in, that span's video out."""
    draft = busy(media_dir, tmp_path)
    render(draft.doc, media_dir, tmp_path / "single.mp4", crf=0, preset="ultrafast")
    plan = build_plan(draft.doc, RenderOptions(chunk_seconds=1.0))
    options = RenderOptions(crf=0, preset="ultrafast")
    warnings = render_chunk(plan, 2, DraftMediaResolver(media_dir), tmp_path / "work", tmp_path / "two.mp4", options)
    assert warnings == [] and not (tmp_path / "work").exists()
    first, stop = (frame_of(t) for t in (plan.chunks[2].start_us, plan.chunks[2].end_us))
    alone, single = rgb_frames(tmp_path / "two.mp4"), rgb_frames(tmp_path / "single.mp4")
    assert len(alone) == stop - first
    assert max(float(np.abs(a - b).max()) for a, b in zip(alone, single[first:stop], strict=True)) <= 2
    with av.open(str(tmp_path / "two.mp4")) as container:
        assert not container.streams.audio  # the audio is rendered once, by render_audio


def test_a_chunk_that_cannot_render_fails_the_render_cleanly(media_dir: Path, tmp_path: Path) -> None:
    """A photo missing from a late chunk: the render stops with its code and leaves no output behind."""
    draft = busy(media_dir, tmp_path)
    draft.doc["materials"]["videos"][6]["path"] = str(tmp_path / "gone.png")  # photo 6, at 4.5 s
    with pytest.raises(RenderError) as failed:
        render(draft.doc, media_dir, tmp_path / "out" / "video.mp4", preset="ultrafast", chunk_seconds=1.0)
    assert failed.value.code == "MEDIA_MISSING" and "gone.png" in failed.value.message
    assert list((tmp_path / "out").iterdir()) == []
