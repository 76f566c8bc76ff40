"""The one time rule (render/timebase.py) and the regressions the random-draft property tests found.

Each test named after a finding reproduces a draft that failed before the fix: built through the project's
editing functions (as add_images & co. build it) or, for shapes those functions never write, with draftkit.
"""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.drafts import document, editing
from capcut_mate.drafts.items import ImageInfo
from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.media.probe import probe
from capcut_mate.render import RenderError, RenderOptions
from capcut_mate.render.graph.build import Graph
from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.run import run_ffmpeg
from capcut_mate.render.timebase import Timebase
from tests import mediagen
from tests.render.draftkit import Draft, keyframes
from tests.render.helpers import is_color, render, rgb_frames
from tests.render.test_random_drafts import stream_lengths

FPS_VALUES = [23.976, 24.0, 25.0, 29.97, 30.0, 50.0, 59.94, 60.0]


@given(st.sampled_from(FPS_VALUES), st.integers(min_value=-(10**7), max_value=10**8))
def test_a_frame_survives_the_round_trip_through_microseconds(fps: float, frame: int) -> None:
    timebase = Timebase.of(fps)
    assert timebase.frame(timebase.us(frame)) == frame


@given(st.sampled_from(FPS_VALUES), st.integers(min_value=0, max_value=10**10))
def test_a_time_lands_on_its_nearest_frame_boundary(fps: float, us: int) -> None:
    timebase = Timebase.of(fps)
    frame = timebase.frame(us)
    offset = us * timebase.rate / 1_000_000 - frame  # in frames
    assert -0.5 <= offset < 0.5


@given(st.sampled_from(FPS_VALUES), st.integers(min_value=0, max_value=10**10))
def test_the_frame_showing_an_instant_covers_it(fps: float, us: int) -> None:
    timebase = Timebase.of(fps)
    frame = timebase.frame_showing(us)
    assert frame / timebase.rate <= us / 1_000_000 < (frame + 1) / timebase.rate


def test_halves_round_up_everywhere() -> None:
    timebase = Timebase.of(30)
    assert timebase.frame(150_000) == 5  # 4.5 frames: half of a 300 000 µs transition
    assert timebase.frame(-150_000) == -4
    assert timebase.frame(1_516_666) == 45 and timebase.frame(1_516_667) == 46


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[editing.LocalMedia]:
    folder = tmp_path_factory.mktemp("photos")
    files = [mediagen.image(folder / "red.png", (255, 0, 0)), mediagen.image(folder / "blue.png", (0, 0, 255))]
    return [editing.LocalMedia(str(path), path.name, probe(path)) for path in files]  # probed as the API does


@pytest.mark.parametrize("count", [2, 6])
def test_issue_reproducer_dissolve_300000_renders_as_a_blend(
    photos: list[editing.LocalMedia], tmp_path: Path, count: int
) -> None:
    """add_images: photos of 1.5 s, each with transition 叠化 and transition_duration 300000 (4.5 frames)."""
    doc = document.new_document(64, 48, 30.0)
    items = [
        ImageInfo(image_url="x", start=i * 1_500_000, end=(i + 1) * 1_500_000, transition="叠化",
                  transition_duration=300_000)
        for i in range(count)
    ]  # fmt: skip
    clip = editing.placement_clip(doc, alpha=1.0, scale_x=1.0, scale_y=1.0, tx=0, ty=0)
    editing.add_images(doc, items, [photos[i % 2] for i in range(count)], clip=clip)
    document.recompute_duration(doc)
    out = tmp_path / "out.mp4"
    render(doc, tmp_path, out, preset="ultrafast")
    frames = rgb_frames(out)
    assert len(frames) == 45 * count
    red, blue = frames[30][24, 32], frames[60][24, 32]
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]
    mid = frames[45][24, 32]  # the cut, in the middle of the dissolve window: both photos show
    assert 50 < mid[0] < 205 and 50 < mid[2] < 205, mid


def test_an_animation_shorter_than_a_frame_is_dropped_and_reported(
    photos: list[editing.LocalMedia], tmp_path: Path
) -> None:
    doc = document.new_document(64, 48, 30.0)
    item = ImageInfo(image_url="x", start=0, end=1_000_000, in_animation="渐显", in_animation_duration=10_000)
    clip = editing.placement_clip(doc, alpha=1.0, scale_x=1.0, scale_y=1.0, tx=0, ty=0)
    segment_id = editing.add_images(doc, [item], [photos[0]], clip=clip).segment_ids[0]
    plan = build_plan(doc)
    assert plan.layers[0].motions == ()
    assert any(w.segment_id == segment_id and "less than one frame" in w.message for w in plan.warnings)
    report = render(doc, tmp_path, tmp_path / "out.mp4", preset="ultrafast")
    assert report.duration_us == 1_000_000


def test_found_sub_frame_clips_at_double_speed_keep_the_audio_as_long_as_the_video(
    media_dir: Path, tmp_path: Path
) -> None:
    """Found by hypothesis: 100 µs clips at speed 2 (adelay emitted silence without timestamps, amix
    stamped garbage) and a two-frame video (the frame cap stopped the muxer before the audio's end)."""
    draft = Draft(width=34, height=34, fps=24.0)
    video = draft.track("video")
    draft.video(video, media_dir / "red.mp4", 11, 100, speed=2.0)
    draft.video(video, media_dir / "red.mp4", 111, 100)
    music = draft.track("audio")
    draft.audio(music, media_dir / "tone.mp3", 0, 100, volume=0.0)
    draft.audio(music, media_dir / "tone.mp3", 100, 100)
    draft.video(draft.track("video"), media_dir / "red.png", 98_963, 100, photo=True)
    out = tmp_path / "out.mp4"
    report = render(draft.doc, media_dir, out, preset="ultrafast")
    frames, video_s, audio_s = stream_lengths(out)
    assert frames == 2 and report.duration_us == round(video_s * 1_000_000)
    assert audio_s >= video_s
    assert sum(w["message"] == "shorter than one frame; not shown" for w in report.warnings) == 3


def test_a_draft_whose_segments_all_round_away_still_renders_its_length(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft(width=34, height=34, fps=24.0)
    draft.video(draft.track("video"), media_dir / "red.png", 0, 100, photo=True)
    report = render(draft.doc, media_dir, tmp_path / "out.mp4", preset="ultrafast")
    assert report.duration_us == round(1_000_000 / 24)
    assert [w["feature"] for w in report.warnings] == ["timing"]


def test_an_ffmpeg_refusal_is_reported_as_our_bug_with_the_graph_kept(media_dir: Path, tmp_path: Path) -> None:
    """ffmpeg refusing a graph is a renderer bug; the error carries what failed for the maintainer."""
    draft = Draft(width=34, height=34)
    draft.video(draft.track("video"), media_dir / "red.png", 0, 200_000, photo=True)
    broken = tmp_path / "broken.cube"
    broken.write_text("LUT_3D_SIZE 2\nnot numbers\n", encoding="utf-8")
    lut = draft.material("effects", {"type": "filter", "name": "LUT", "path": str(broken)})
    draft._segment(draft.track("filter"), lut, 0, 200_000)
    with pytest.raises(RenderError) as caught:
        render(draft.doc, media_dir, tmp_path / "out.mp4", preset="ultrafast")
    assert caught.value.code == "FFMPEG_FAILED"
    assert "lut3d" in caught.value.debug["filter_graph"]
    assert "-/filter_complex" in caught.value.debug["ffmpeg_args"]
    assert not (tmp_path / "out.mp4").exists()
    json.dumps(caught.value.debug)  # it travels to the job record as JSON


def test_found_a_wipe_on_a_growing_layer_renders(media_dir: Path, tmp_path: Path) -> None:
    """Found by hypothesis: a wipe intro on a caption whose scale keyframes grow it crashed ffmpeg (geq kept
    the first, smallest frame size). The wipe now runs on the layer's own frames, before the scale."""
    draft = Draft(width=320, height=240, fps=60.0)
    seg = draft.video(draft.track("video"), media_dir / "red.png", 0, 2_000_000, photo=True)
    seg["common_keyframes"] = [keyframes("KFTypeScaleX", [(0, 0.05), (1_000_000, 1.0)])]
    draft.refer(seg, "material_animations", {"type": "sticker_animation", "animations": [
        {"type": "in", "name": "向右擦开", "start": 0, "duration": 500_000}]})  # fmt: skip
    out = tmp_path / "out.mp4"
    report = render(draft.doc, media_dir, out, preset="ultrafast")
    frames = rgb_frames(out)
    assert len(frames) == 120 and report.duration_us == 2_000_000
    assert is_color(frames[90][120, 160], (255, 0, 0))  # grown and fully revealed


def test_a_wedged_ffmpeg_is_stopped_and_reported(tmp_path: Path) -> None:
    """An input that never delivers (a FIFO nobody writes) wedges ffmpeg before its first frame: the
    watchdog stops it and the render fails with the graph kept, instead of holding a worker forever."""
    fifo = tmp_path / "never.pcm"
    os.mkfifo(fifo)
    graph = Graph(
        inputs=[["-f", "s16le", "-ar", "48000", "-ac", "2", "-i", str(fifo)]],
        script="color=c=black:s=32x32:r=30,trim=end_frame=30[vout];[0:a:0]anull[aout]\n",
        side_files={},
        total_frames=30,
        fps=Fraction(30),
    )
    with pytest.raises(RenderError) as caught:
        run_ffmpeg(ffmpeg_exe(), graph, tmp_path / "out.mp4", tmp_path, RenderOptions(stall_seconds=1.0))
    assert caught.value.code == "FFMPEG_FAILED" and "no progress for 1 s" in caught.value.message
    assert "anull" in caught.value.debug["filter_graph"]
