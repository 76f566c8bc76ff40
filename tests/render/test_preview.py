"""Preview frames equal the rendered video's frames (same plan, same graph, one frame)."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft
from capcut_mate.render.preview import preview_frames, storyboard
from tests import mediagen
from tests.render.draftkit import Draft, keyframes
from tests.render.helpers import rgb_frames
from tests.render.random_drafts import Media, drafts

SEC = 1_000_000
MAX_MEAN_DIFFERENCE = 3.0  # the encoder's noise on 0..255


def mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


def busy_draft(media_dir: Path) -> Draft:
    """A moving video with a transition, a photo with keyframes and an animation, captions, a filter window."""
    draft = Draft(width=240, height=320)
    main = draft.track("video")
    first = draft.video(main, media_dir / "counter.mp4", 0, SEC)
    draft.refer(first, "transitions", {"type": "transition", "name": "叠化", "duration": 400_000,
                                       "effect_id": "6724845717472416269", "is_overlap": True})  # fmt: skip
    draft.video(main, media_dir / "counter.mp4", SEC, SEC, source_start=200_000)
    photo = draft.video(draft.track("video"), media_dir / "red.png", 300_000, 1_400_000, photo=True)
    photo["clip"]["scale"] = {"x": 0.4, "y": 0.4}
    photo["common_keyframes"] = [
        keyframes("KFTypePositionX", [(0, -0.5), (1_400_000, 0.5)]),
        keyframes("KFTypeAlpha", [(0, 0.3), (700_000, 1.0)]),
        keyframes("KFTypeRotation", [(0, 0.0), (1_400_000, 90.0)]),
    ]
    captions = draft.track("text")
    for n in range(3):
        seg = draft.text(captions, f"字幕 {n}", n * 600_000, 600_000)
        seg["clip"]["transform"] = {"x": 0.0, "y": -0.6}
    return draft


def test_preview_equals_the_rendered_frame(media_dir: Path, tmp_path: Path) -> None:
    doc = busy_draft(media_dir).doc
    resolver = DraftMediaResolver(media_dir)
    render_draft(doc, resolver, tmp_path / "out.mp4", RenderOptions(preset="ultrafast", crf=12))
    rendered = rgb_frames(tmp_path / "out.mp4")
    frames = [0, 9, 14, 27, 30, 33, 45, 59]  # in and out of the transition, keyframes, caption changes
    previews = preview_frames(doc, resolver, [round(n * SEC / 30) + 1 for n in frames], RenderOptions())
    for n, preview in zip(frames, previews, strict=True):
        assert preview.frame == n
        difference = mean_difference(np.asarray(preview.image), rendered[n])
        assert difference <= MAX_MEAN_DIFFERENCE, (n, difference)
    # Different frames really differ (the comparison can tell frames apart).
    assert mean_difference(np.asarray(previews[1].image), rendered[30]) > 10


def test_time_past_the_end_shows_the_last_frame_and_width_scales(media_dir: Path) -> None:
    doc = busy_draft(media_dir).doc
    frames = preview_frames(doc, DraftMediaResolver(media_dir), [60 * SEC], RenderOptions(width=120))
    assert frames[0].frame == 59
    assert frames[0].image.size == (120, 160)


def test_storyboard_is_a_grid_with_labels(media_dir: Path) -> None:
    doc = busy_draft(media_dir).doc
    frames = preview_frames(doc, DraftMediaResolver(media_dir), [0, 500_000, SEC, 1_500_000, 1_900_000])
    sheet = storyboard(frames, 120)
    assert sheet.size == (3 * 120, 2 * (160 + 28))
    first_tile = np.asarray(sheet.crop((0, 0, 120, 160)))
    assert mean_difference(first_tile, np.asarray(frames[0].image.resize((120, 160)))) < 1
    label = np.asarray(sheet.crop((0, 160, 120, 188)))
    assert label.max() > 200  # the timestamp is drawn


@pytest.fixture(scope="module")
def media(media_dir: Path) -> Media:
    return Media.from_dir(media_dir)


@settings(deadline=None, max_examples=10, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_preview_of_any_built_draft_equals_its_render(media: Media, data: st.DataObject) -> None:
    doc = data.draw(drafts(media))
    with tempfile.TemporaryDirectory() as tmp:
        resolver = DraftMediaResolver(Path(tmp))
        render_draft(doc, resolver, Path(tmp) / "out.mp4", RenderOptions(preset="ultrafast", crf=12))
        rendered = rgb_frames(Path(tmp) / "out.mp4")
        n = data.draw(st.integers(0, len(rendered) - 1), label="frame")
        fps = doc["fps"]
        (preview,) = preview_frames(doc, resolver, [round(n * SEC / fps) + 1])
    assert preview.frame == n
    assert mean_difference(np.asarray(preview.image), rendered[n]) <= MAX_MEAN_DIFFERENCE


def test_sought_frames_are_the_rendered_source_frames(tmp_path: Path) -> None:
    """A 25 fps counter under a 30 fps draft, off-grid source start, 1.5× speed: preview seeks match the render."""
    mediagen.counter_video(tmp_path / "c25.mp4", frames=60, fps=25, step=4)
    draft = Draft()
    draft.video(draft.track("video"), tmp_path / "c25.mp4", 0, 1_500_000, source_start=123_457, speed=1.5)
    resolver = DraftMediaResolver(tmp_path)
    render_draft(draft.doc, resolver, tmp_path / "out.mp4", RenderOptions(preset="ultrafast", crf=0))
    rendered = rgb_frames(tmp_path / "out.mp4")
    frames = list(range(len(rendered)))
    previews = preview_frames(draft.doc, resolver, [round(n * SEC / 30) + 1 for n in frames])
    middle = (slice(100, 140), slice(140, 180))
    levels = [
        (float(np.median(np.asarray(p.image)[middle])), float(np.median(rendered[n][middle])))
        for n, p in zip(frames, previews, strict=True)
    ]
    assert all(abs(a - b) < 2 for a, b in levels), levels  # one source frame apart is ~4.6 levels


@pytest.fixture(scope="module")
def counters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("counters")
    for fps in (25, 30):
        mediagen.counter_video(folder / f"c{fps}.mp4", frames=60, fps=fps, step=4)
    return folder


@settings(deadline=None, max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(
    source_fps=st.sampled_from([25, 30]),
    draft_fps=st.sampled_from([24.0, 25.0, 29.97, 30.0]),
    speed=st.sampled_from([0.5, 1.0, 1.5, 2.0]),
    source_start=st.integers(0, 400_000),
    lead=st.integers(0, 400_000),
    data=st.data(),
)
def test_sought_frames_match_for_any_timing(
    counters: Path, source_fps: int, draft_fps: float, speed: float, source_start: int, lead: int, data: st.DataObject
) -> None:
    """The seek is exact whatever the source and output rates, speed, source start and transition lead."""
    draft = Draft(fps=draft_fps)
    track = draft.track("video")
    first = draft.video(track, counters / f"c{source_fps}.mp4", 0, 600_000, source_start=source_start)
    if lead:
        draft.refer(first, "transitions", {"type": "transition", "name": "叠化", "duration": 2 * lead,
                                           "effect_id": "6724845717472416269", "is_overlap": True})  # fmt: skip
    length = int(min(1_200_000, (2_000_000 - source_start - 50_000) / speed))
    draft.video(track, counters / f"c{source_fps}.mp4", 600_000, length, source_start=source_start, speed=speed)
    with tempfile.TemporaryDirectory() as tmp:
        resolver = DraftMediaResolver(counters)
        render_draft(draft.doc, resolver, Path(tmp) / "out.mp4", RenderOptions(preset="ultrafast", crf=0))
        rendered = rgb_frames(Path(tmp) / "out.mp4")
    n = data.draw(st.integers(0, len(rendered) - 1), label="frame")
    (preview,) = preview_frames(draft.doc, resolver, [math.ceil(n * SEC / draft_fps)])
    assert preview.frame == n
    middle = (slice(100, 140), slice(140, 180))
    assert abs(float(np.median(np.asarray(preview.image)[middle])) - float(np.median(rendered[n][middle]))) < 2
