"""What real app drafts use (issue 10): overlapping transitions and reversed clips, at plan and pixel level."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.prepare import reverse
from tests import mediagen
from tests.render.draftkit import Draft, keyframes
from tests.render.helpers import is_color, luma_frames, render, rgb_frames, rms, samples

SEC = 1_000_000
RED = (255, 0, 0)


def counter_level(frame: np.ndarray) -> int:
    """Source frame number shown by the counter clip (luma 16 + 4n), read in the middle."""
    return round((float(np.median(frame[100:140, 140:180])) - 16) / 4)


def overlapping(name: str, speed: float = 1.0) -> tuple[Draft, dict, dict]:
    """The app's layout: A on [0, 1 s), B on [0.6 s, 1.6 s), a 0.4 s transition with is_overlap."""
    draft = Draft()
    track = draft.track("video")
    first = draft.video(track, "/m/a.mp4", 0, SEC)
    second = draft.video(track, "/m/b.mp4", 600_000, SEC, source_start=100_000, speed=speed)
    draft.refer(first, "transitions", {"type": "transition", "name": name, "duration": 400_000, "is_overlap": True})
    return draft, first, second


def test_overlap_window_is_the_overlap_and_keeps_every_source_frame() -> None:
    draft, _, second = overlapping("叠化", speed=2.0)
    second["common_keyframes"] = [keyframes("KFTypeAlpha", [(0, 0.5), (SEC, 1.0)])]
    second["extra_material_refs"].append(
        draft.material(
            "material_animations",
            {
                "type": "sticker_animation",
                "animations": [{"name": "渐显", "type": "in", "start": 0, "duration": 300_000}],
            },
        )
    )
    plan = build_plan(draft.doc)
    a, b = plan.layers
    assert not any("adjacent" in w.message for w in plan.warnings)
    assert (a.start_us, a.duration_us, a.tail_us) == (0, 800_000, 200_000)  # A plays on to its own end (1 s)
    assert (b.start_us, b.lead_us, b.duration_us) == (800_000, 200_000, 800_000)  # B shown from 0.6 s to 1.6 s
    assert b.source_start_us == 100_000 + 2 * 200_000  # the cut moved 0.2 s into B at 2x speed
    assert b.transform.keyframes["alpha"] == ((-200_000, 0.5), (800_000, 1.0))  # keyframes keep timeline times
    fade = [m for m in b.motions if m.kind == "fade_in"]
    assert [(m.start_us, m.duration_us) for m in fade] == [(-200_000, 400_000), (-200_000, 300_000)]


def test_overlap_flash_fades_out_before_the_middle_and_in_after_it() -> None:
    plan = build_plan(overlapping("闪黑")[0].doc)
    a, b = plan.layers
    assert (a.tail_us, b.lead_us) == (0, 0)
    assert (a.motions[0].kind, a.motions[0].start_us, a.motions[0].duration_us) == ("fade_out", 600_000, 200_000)
    assert (b.start_us, b.motions[0].kind, b.motions[0].start_us) == (800_000, "fade_in", 0)


def test_overlap_without_a_later_end_is_reported() -> None:
    draft = Draft()
    track = draft.track("video")
    first = draft.video(track, "/m/a.mp4", 0, SEC)
    draft.video(track, "/m/b.mp4", 600_000, 300_000)  # inside A: no cut to draw
    draft.refer(first, "transitions", {"type": "transition", "name": "叠化", "duration": 400_000, "is_overlap": True})
    plan = build_plan(draft.doc)
    assert any(w.feature == "transition" and "adjacent" in w.message for w in plan.warnings)
    assert [(layer.start_us, layer.duration_us) for layer in plan.layers] == [(0, SEC), (600_000, 300_000)]


@pytest.mark.parametrize("layout", ["overlap", "adjacent"])
def test_dissolve_in_both_layouts_blends_mid_window(layout: str, media_dir: Path, tmp_path: Path) -> None:
    """A counter clip dissolves into a red photo over 0.4 s; the window is frames 18..30 in both layouts."""
    draft = Draft()
    track = draft.track("video")
    a_end, b_start = (SEC, 600_000) if layout == "overlap" else (800_000, 800_000)
    first = draft.video(track, media_dir / "counter.mp4", 0, a_end)
    draft.video(track, media_dir / "red.png", b_start, 1_600_000 - b_start, photo=True)
    draft.refer(first, "transitions", {"type": "transition", "name": "叠化", "duration": 400_000, "is_overlap": True})
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    assert not [w for w in report.warnings if w["feature"] == "transition"]
    luma, frames = luma_frames(tmp_path / "out.mp4"), rgb_frames(tmp_path / "out.mp4")
    assert len(frames) == 48
    assert [counter_level(luma[n]) for n in (5, 17)] == [5, 17]  # A plays up to the window
    mid = frames[24][120, 160]
    assert 110 < mid[0] < 230 and 25 < mid[1] < 90  # half red, half the grey counter
    assert is_color(frames[33][120, 160], RED)


def reversed_segment(draft: Draft, media: Path, **fields: object) -> dict:
    """The counter's frames 6..35 (0.2 s to 1.2 s) played backwards over the first second."""
    seg = draft.video(draft.track("video"), media, 0, SEC, source_start=200_000, reverse=True)
    draft.doc["materials"]["videos"][-1].update(fields)
    return seg


def test_reverse_range_mirrors_frames_and_sound_in_small_chunks(
    media_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """7 frames a chunk: the 30-frame range is joined from 5 chunks without a lost or doubled frame."""
    monkeypatch.setattr(reverse, "CHUNK_BYTES", 320 * 240 * 3 // 2 * 7)
    source = mediagen.counter_video(tmp_path / "c.mp4")
    mirror = reverse.reverse_range(source, 200_000, 1_200_000, tmp_path / "r.mkv")
    assert mirror == 1_200_000
    assert [counter_level(y) for y in luma_frames(tmp_path / "r.mkv")] == list(range(35, 5, -1))
    loud_first = tmp_path / "loud_first.mkv"
    mediagen.run_ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-af", "volume='lt(t,0.5)':eval=frame",
        "-c:a", "pcm_s16le", str(loud_first),
    )  # fmt: skip
    reverse.reverse_range(loud_first, 0, 1_000_000, tmp_path / "ra.mkv")
    sound, rate = samples(tmp_path / "ra.mkv")
    assert len(sound) == pytest.approx(rate, abs=rate // 20)
    assert rms(sound, rate, 0.1, 0.3) < 0.01 < rms(sound, rate, 0.6, 0.3)  # the loud half now comes last


def test_reversed_segment_shows_the_source_from_its_end(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    reversed_segment(draft, media_dir / "counter.mp4")
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    assert not [w for w in report.warnings if w["feature"] == "reverse"]
    luma = luma_frames(tmp_path / "out.mp4")
    assert [counter_level(luma[k]) for k in range(0, 30, 3)] == [35 - k for k in range(0, 30, 3)]


def test_reversed_segment_uses_the_apps_reversed_copy(media_dir: Path, tmp_path: Path) -> None:
    """The app's copy (here a counter at half the step, reversed) is what plays: frame k = copy frame 24 + k."""
    half_step = mediagen.counter_video(tmp_path / "half.mp4", step=2)
    copy = tmp_path / "reversed.mp4"
    mediagen.run_ffmpeg("-i", str(half_step), "-vf", "reverse", "-c:v", "libx264", "-qp", "0", str(copy))
    draft = Draft()
    reversed_segment(draft, media_dir / "counter.mp4", reverse_path=str(copy))
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    assert not [w for w in report.warnings if w["feature"] == "reverse"]
    luma = luma_frames(tmp_path / "out.mp4")
    levels = [round((float(np.median(luma[k][100:140, 140:180])) - 16) / 2) for k in (0, 10, 29)]
    assert levels == [35, 25, 6]
    missing = Draft()
    reversed_segment(missing, media_dir / "counter.mp4", reverse_path="C:/Users/x/reverse/gone.mp4")
    report = render(missing.doc, media_dir, tmp_path / "out2.mp4")
    assert [w["feature"] for w in report.warnings] == ["reverse"]  # reversed here instead, and said so
    assert counter_level(luma_frames(tmp_path / "out2.mp4")[10]) == 25


def test_a_transition_into_a_reversed_clip_shows_what_follows_its_range(media_dir: Path, tmp_path: Path) -> None:
    """向右擦除 into the reversed counter: before its start the wipe reveals source frames after its range."""
    draft = Draft()
    track = draft.track("video")
    first = draft.video(track, media_dir / "red.png", 0, 600_000, photo=True)
    draft.video(track, media_dir / "counter.mp4", 600_000, SEC, source_start=200_000, reverse=True)
    draft.refer(first, "transitions", {"type": "transition", "name": "向右擦除", "duration": 400_000})
    render(draft.doc, media_dir, tmp_path / "out.mp4")
    luma = luma_frames(tmp_path / "out.mp4")

    def level(frame: np.ndarray) -> int:
        return round((float(np.median(frame[100:140, 5:40])) - 16) / 4)  # the left edge, revealed first

    assert [level(luma[n]) for n in (15, 18, 21, 30)] == [38, 35, 32, 23]


def test_a_reversed_audio_segment_plays_its_sound_backwards(media_dir: Path, tmp_path: Path) -> None:
    """A sound loud for its first 0.5 s only, reversed over 1 s: silence first, then the tone."""
    loud_first = tmp_path / "loud_first.wav"
    mediagen.run_ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-af", "volume='lt(t,0.5)':eval=frame", str(loud_first)
    )  # fmt: skip
    draft = Draft()
    draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    draft.audio(draft.track("audio"), loud_first, 0, SEC, reverse=True)
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    assert not [w for w in report.warnings if w["feature"] in ("reverse", "audio")]
    sound, rate = samples(tmp_path / "out.mp4")
    assert rms(sound, rate, 0.1, 0.3) < 0.01 < rms(sound, rate, 0.6, 0.3)
