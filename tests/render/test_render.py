"""End-to-end renders with the real ffmpeg; assertions on decoded pixels and samples."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from capcut_mate.render import RenderError, load_draft
from tests import mediagen
from tests.render.draftkit import Draft, keyframes
from tests.render.helpers import is_color, luma_frames, render, rgb_frames, rms, samples

SEC = 1_000_000
RED, BLUE, BLACK = (255, 0, 0), (0, 0, 255), (0, 0, 0)


def counter_level(frame: np.ndarray) -> int:
    """Source frame number shown by the counter clip (luma 16 + 4n), read in the middle."""
    return round((float(np.median(frame[100:140, 140:180])) - 16) / 4)


def test_speed_and_trim_map_source_frames_exactly(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    track = draft.track("video")
    draft.video(track, media_dir / "counter.mp4", 0, 500_000, speed=2.0)  # frames 0..14 show 0, 2, 4...
    draft.video(track, media_dir / "counter.mp4", 500_000, 500_000, source_start=1_000_000)  # from frame 30
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = luma_frames(tmp_path / "out.mp4")
    assert len(frames) == 30
    assert report.duration_us == SEC
    assert [counter_level(frames[n]) for n in (0, 1, 7, 14)] == [0, 2, 14, 28]
    assert [counter_level(frames[n]) for n in (15, 16, 29)] == [30, 31, 44]


def test_photo_placed_top_left_and_black_elsewhere(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    seg = draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    seg["clip"]["scale"] = {"x": 0.5, "y": 0.5}
    seg["clip"]["transform"] = {"x": -0.5, "y": 0.5}  # centre at (80, 60): +y is up
    render(draft.doc, media_dir, tmp_path / "out.mp4")
    frame = rgb_frames(tmp_path / "out.mp4")[15]
    assert is_color(frame[60, 80], RED)
    assert is_color(frame[10, 10], RED) and is_color(frame[110, 150], RED)
    assert is_color(frame[180, 240], BLACK) and is_color(frame[60, 200], BLACK)


def test_letterbox_fit_on_a_portrait_canvas(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft(width=240, height=320)
    draft.video(draft.track("video"), media_dir / "red.png", 0, 200_000, photo=True)
    render(draft.doc, media_dir, tmp_path / "out.mp4")
    frame = rgb_frames(tmp_path / "out.mp4")[0]
    # 320x240 contain-fitted into 240x320 -> 240x180 centred: rows 70..250
    assert is_color(frame[160, 120], RED) and is_color(frame[75, 120], RED)
    assert is_color(frame[60, 120], BLACK) and is_color(frame[260, 120], BLACK)


def test_odd_canvas_is_padded_to_even_and_noted(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft(width=321, height=241)
    draft.video(draft.track("video"), media_dir / "red.png", 0, 200_000, photo=True)
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    assert (report.width, report.height) == (322, 242)
    assert any("padded" in note for note in report.notes)
    frame = rgb_frames(tmp_path / "out.mp4")[0]
    assert frame.shape[:2] == (242, 322)
    assert is_color(frame[120, 160], RED)


def test_z_order_follows_render_index_then_track(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    red = draft.video(draft.track("video"), media_dir / "red.png", 0, 200_000, photo=True)
    blue = draft.video(draft.track("video"), media_dir / "blue.mp4", 0, 200_000)
    render(draft.doc, media_dir, tmp_path / "a.mp4")
    assert is_color(rgb_frames(tmp_path / "a.mp4")[3][120, 160], BLUE)
    red["render_index"], blue["render_index"] = 5, 1
    render(draft.doc, media_dir, tmp_path / "b.mp4")
    assert is_color(rgb_frames(tmp_path / "b.mp4")[3][120, 160], RED)


def test_muted_track_is_silent_and_clip_audio_is_mixed(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    draft.video(draft.track("video"), media_dir / "red.mp4", 0, SEC)
    render(draft.doc, media_dir, tmp_path / "loud.mp4")
    signal, rate = samples(tmp_path / "loud.mp4")
    assert rms(signal, rate, 0.5) > 0.03
    draft.doc["tracks"][0]["attribute"] = 1
    render(draft.doc, media_dir, tmp_path / "muted.mp4")
    signal, rate = samples(tmp_path / "muted.mp4")
    assert rms(signal, rate, 0.5) < 1e-4
    assert abs(len(signal) / rate - 1.0) < 0.05


def test_audio_fade_ramps_and_volume_scales(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    draft.video(draft.track("video"), media_dir / "blue.mp4", 0, 1_500_000)
    seg = draft.audio(draft.track("audio"), media_dir / "tone.mp3", 0, 1_500_000, fade_in=500_000)
    render(draft.doc, media_dir, tmp_path / "out.mp4")
    signal, rate = samples(tmp_path / "out.mp4")
    levels = [rms(signal, rate, t) for t in (0.05, 0.2, 0.4, 0.8)]
    assert levels[0] < levels[1] < levels[2] < levels[3]
    source, source_rate = samples(media_dir / "tone.mp3")
    assert levels[3] == pytest.approx(rms(source, source_rate, 0.8), rel=0.1)  # a mono tone at its own level
    full = levels[3]
    assert levels[1] == pytest.approx(full * 0.45, rel=0.25)  # linear ramp, middle of 0.2..0.25 s window
    seg["volume"] = 0.5
    render(draft.doc, media_dir, tmp_path / "half.mp4")
    signal, rate = samples(tmp_path / "half.mp4")
    assert rms(signal, rate, 0.8) == pytest.approx(full * 0.5, rel=0.1)


def test_volume_keyframes_and_two_tracks_mix(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    draft.audio(draft.track("audio"), media_dir / "tone.mp3", 0, SEC)
    seg = draft.audio(draft.track("audio"), media_dir / "tone.mp3", 0, SEC)
    seg["common_keyframes"] = [keyframes("KFTypeVolume", [(0, 0.0), (SEC, 0.0)])]
    render(draft.doc, media_dir, tmp_path / "one.mp4")
    single = rms(*samples(tmp_path / "one.mp4"), 0.5)
    seg["common_keyframes"] = [keyframes("KFTypeVolume", [(0, 1.0), (SEC, 1.0)])]
    render(draft.doc, media_dir, tmp_path / "two.mp4")
    assert rms(*samples(tmp_path / "two.mp4"), 0.5) == pytest.approx(2 * single, rel=0.1)  # amix normalize=0


def test_keyframed_position_moves_the_layer(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    seg = draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    seg["clip"]["scale"] = {"x": 0.25, "y": 0.25}
    seg["common_keyframes"] = [keyframes("KFTypePositionX", [(0, -0.5), (SEC, 0.5)])]
    render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")

    def red_centre_x(frame: np.ndarray) -> float:
        return float(np.nonzero(frame[120, :, 0] > 128)[0].mean())

    assert red_centre_x(frames[0]) == pytest.approx(80, abs=3)
    assert red_centre_x(frames[15]) == pytest.approx(160, abs=3)
    assert red_centre_x(frames[29]) == pytest.approx(80 + 160 * 29 / 30, abs=3)


def test_keyframed_scale_and_alpha(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    seg = draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    seg["common_keyframes"] = [
        keyframes("KFTypeScaleX", [(0, 0.5), (SEC, 1.0)]),
        keyframes("KFTypeAlpha", [(0, 1.0), (SEC, 0.0)]),
    ]
    render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    width0 = int((frames[0][120, :, 0] > 60).sum())
    assert width0 == pytest.approx(160, abs=4)
    assert frames[15][120, 160, 0] == pytest.approx(128, abs=20)  # alpha 0.5 over black
    assert frames[29][120, 160, 0] < 30


def test_rotation_flip_and_static_alpha_on_video(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    seg = draft.video(draft.track("video"), media_dir / "blue.mp4", 0, 300_000)
    seg["clip"].update(rotation=90, alpha=0.5, scale={"x": 0.5, "y": 0.5})
    render(draft.doc, media_dir, tmp_path / "out.mp4")
    frame = rgb_frames(tmp_path / "out.mp4")[2]
    # 160x120 rotated 90° -> 120 wide, 160 tall, centred
    assert frame[120, 160, 2] == pytest.approx(128, abs=25)
    assert is_color(frame[120, 95], BLACK) and frame[50, 160, 2] > 80


def test_invisible_segments_skipped_and_duration_recomputed(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    track = draft.track("video")
    draft.video(track, media_dir / "red.png", 0, 400_000, photo=True)
    hidden = draft.video(track, media_dir / "blue.mp4", 400_000, 1_000_000, visible=False)
    assert hidden["visible"] is False
    draft.doc["duration"] = 99 * SEC
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    with av.open(str(tmp_path / "out.mp4")) as container:
        seconds = container.duration / 1e6
    assert report.duration_us == 400_000
    assert seconds == pytest.approx(0.4, abs=1 / 30 + 0.03)
    assert len(rgb_frames(tmp_path / "out.mp4")) == 12


def test_transition_cross_dissolves_at_the_cut(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    track = draft.track("video")
    first = draft.video(track, media_dir / "red.png", 0, SEC, photo=True)
    draft.video(track, media_dir / "blue.mp4", SEC, SEC)
    draft.refer(first, "transitions", {"type": "transition", "name": "叠化", "duration": 400_000, "is_overlap": True})
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    assert len(frames) == 60
    assert is_color(frames[20][120, 160], RED) and is_color(frames[40][120, 160], BLUE)
    middle = frames[30][120, 160].astype(int)
    assert 60 < middle[0] < 200 and 60 < middle[2] < 200
    assert not [w for w in report.warnings if w["feature"] == "transition"]


def test_unknown_features_become_warnings(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    seg = draft.video(draft.track("video"), media_dir / "red.png", 0, 300_000, photo=True)
    draft.refer(seg, "effects", {"type": "filter", "name": "胶片", "value": 1.0})
    draft.refer(seg, "video_effects", {"type": "video_effect", "name": "星火"})
    draft.refer(seg, "material_animations", {"type": "sticker_animation", "animations": [
        {"name": "魔法变身", "type": "in", "start": 0, "duration": 100_000}]})  # fmt: skip
    seg["common_keyframes"] = [keyframes("KFTypeMystery", [(0, 1.0)])]
    seg["some_future_key"] = {"x": 1}
    sticker_track = draft.track("sticker")
    sticker = draft.material("stickers", {"type": "sticker", "resource_id": "123"})
    draft._segment(sticker_track, sticker, 0, 300_000)
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    features = {(w["segment_id"], w["feature"]) for w in report.warnings}
    assert (seg["id"], "effects/filter") in features
    assert (seg["id"], "video_effects/video_effect") in features
    assert (seg["id"], "animation") in features
    assert (seg["id"], "keyframe") in features
    assert any(w["feature"] == "sticker_track" for w in report.warnings)
    assert all(set(w) == {"segment_id", "track", "feature", "message"} for w in report.warnings)


def test_empty_draft_fails_clearly(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    seg = draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    seg["visible"] = False
    with pytest.raises(RenderError) as caught:
        render(draft.doc, media_dir, tmp_path / "out.mp4")
    assert caught.value.code == "DRAFT_EMPTY"


def test_missing_media_names_the_path(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    draft.video(draft.track("video"), "C:/Users/someone/Videos/nowhere.mp4", 0, SEC)
    with pytest.raises(RenderError) as caught:
        render(draft.doc, tmp_path, tmp_path / "out.mp4")
    assert caught.value.code == "MEDIA_MISSING"
    assert "C:/Users/someone/Videos/nowhere.mp4" in caught.value.message
    assert not (tmp_path / "out.mp4").exists()


def test_encrypted_and_invalid_drafts_fail_clearly(tmp_path: Path) -> None:
    folder = tmp_path / "enc"
    folder.mkdir()
    (folder / "draft_content.json").write_bytes(bytes(range(7, 250)) * 10)
    with pytest.raises(RenderError) as caught:
        load_draft(folder)
    assert caught.value.code == "DRAFT_ENCRYPTED" and "encrypted" in caught.value.message
    (folder / "draft_content.json").write_text("{not json")
    with pytest.raises(RenderError) as caught:
        load_draft(folder)
    assert caught.value.code == "DRAFT_INVALID"
    with pytest.raises(RenderError) as caught:
        load_draft(tmp_path / "missing")
    assert caught.value.code == "DRAFT_NOT_FOUND"


def test_load_draft_prefers_content_then_info(tmp_path: Path) -> None:
    draft = Draft()
    draft.save(tmp_path, "draft_info.json")
    document, folder = load_draft(tmp_path)
    assert folder == tmp_path and document["canvas_config"]["width"] == 320
    document, folder = load_draft(tmp_path / "draft_info.json")
    assert folder == tmp_path


def test_ffmpeg_failure_leaves_nothing_behind(media_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    draft = Draft()
    draft.video(draft.track("video"), media_dir / "red.png", 0, 200_000, photo=True)
    with pytest.raises(RenderError) as caught:
        render(draft.doc, media_dir, out_dir / "out.mp4", preset="no-such-preset", work_dir=tmp_path / "work")
    assert caught.value.code == "FFMPEG_FAILED"
    assert list(out_dir.iterdir()) == []
    assert list((tmp_path / "work").iterdir()) == []


def test_progress_stages_in_order_and_never_backwards(media_dir: Path, tmp_path: Path) -> None:
    from capcut_mate.render import DraftMediaResolver, render_draft

    draft = Draft()
    draft.video(draft.track("video"), media_dir / "counter.mp4", 0, 2 * SEC)
    seen: list[tuple[str, float]] = []
    render_draft(
        draft.doc, DraftMediaResolver(media_dir), tmp_path / "o.mp4", on_progress=lambda s, f: seen.append((s, f))
    )
    stages = ["plan", "prepare", "encode", "done"]
    order = [stages.index(stage) for stage, _ in seen]
    assert order == sorted(order) and seen[0][0] == "plan" and seen[-1] == ("done", 1.0)
    encode = [f for stage, f in seen if stage == "encode"]
    assert encode == sorted(encode) and all(0 <= f <= 1 for f in encode)


def test_overrides_change_size_and_fps(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    report = render(draft.doc, media_dir, tmp_path / "out.mp4", width=160, fps=10)
    assert (report.width, report.height, report.fps) == (160, 120, 10)
    frames = rgb_frames(tmp_path / "out.mp4")
    assert len(frames) == 10 and frames[0].shape[:2] == (120, 160)


def test_pyjianyingdraft_draft_renders(media_dir: Path, tmp_path: Path) -> None:
    """A draft written by another writer (pyJianYingDraft 0.3.1) renders with its media, audio and PiP."""
    import pyJianYingDraft as jy

    root = tmp_path / "drafts"
    root.mkdir()
    script = jy.DraftFolder(str(root)).create_draft("demo", 320, 240, fps=30)
    main = script.append_track(jy.TrackSpec(jy.TrackType.video, "main"))
    pip = script.append_track(jy.TrackSpec(jy.TrackType.video, "pip"))
    bgm = script.append_track(jy.TrackSpec(jy.TrackType.audio, "bgm"))
    script.add_segment(jy.VideoSegment(str(media_dir / "counter.mp4"), jy.trange("0s", "1s"), speed=2.0), main)
    script.add_segment(jy.VideoSegment(str(media_dir / "red.png"), jy.trange("1s", "1s")), main)
    small = jy.ClipSettings(scale_x=0.25, scale_y=0.25, transform_x=0.5, transform_y=-0.5)
    script.add_segment(jy.VideoSegment(str(media_dir / "blue.mp4"), jy.trange("0s", "2s"), clip_settings=small), pip)
    audio = jy.AudioSegment(str(media_dir / "tone.mp3"), jy.trange("0s", "2s"), volume=0.5)
    audio.add_fade("0.5s", "0s")
    script.add_segment(audio, bgm)
    script.save()
    document, folder = load_draft(root / "demo")
    report = render(document, folder, tmp_path / "out.mp4")
    assert report.duration_us == 2 * SEC
    luma = luma_frames(tmp_path / "out.mp4")
    assert counter_level(luma[10]) == 20
    frames = rgb_frames(tmp_path / "out.mp4")
    assert is_color(frames[45][120, 100], RED)
    assert is_color(frames[45][180, 240], BLUE)  # centre (240, 180): x +0.5, y -0.5 (down)
    signal, rate = samples(tmp_path / "out.mp4")
    assert rms(signal, rate, 0.05) < rms(signal, rate, 1.0)


def test_draft_path_placeholder_and_windows_paths_resolve(media_dir: Path, tmp_path: Path) -> None:
    from capcut_mate.render import DraftMediaResolver

    folder = tmp_path / "draft"
    (folder / "assets" / "deep").mkdir(parents=True)
    mediagen.image(folder / "assets" / "deep" / "pic.png", (0, 0, 255))
    resolver = DraftMediaResolver(folder, media_root=media_dir, remaps=[("D:/old", str(media_dir))])
    expected = folder / "assets" / "deep" / "pic.png"
    assert resolver("##_draftpath_placeholder_0E685133-18CE-45ED-8CB8-2904A212EC80_##/assets/deep/pic.png") == expected
    assert resolver("C:\\Users\\x\\media\\pic.png") == expected  # by file name inside the draft folder
    assert resolver("D:/old/sub/../red.png").name == "red.png"
    assert resolver("E:/elsewhere/tone.mp3") == media_dir / "tone.mp3"  # by name under --media-root
    with pytest.raises(RenderError) as caught:
        resolver("C:/nope/absent.mov")
    assert caught.value.code == "MEDIA_MISSING" and "C:/nope/absent.mov" in caught.value.message


def test_sample_draft_from_the_spec_renders_with_warnings(tmp_path: Path) -> None:
    """The pyJianYingDraft sample (video 1.5x, transition, Ken Burns photo, masked PiP, BGM, caption)."""
    sample = Path(__file__).resolve().parents[2] / ".." / "shared" / "spec" / "sample_draft_content.json"
    if not sample.is_file():
        pytest.skip("shared/spec not present")
    media = tmp_path / "media"
    media.mkdir()
    document = json.loads(sample.read_text(encoding="utf-8"))
    for track in document["tracks"]:
        if track["type"] == "text":
            track["segments"] = []  # text has its own tests; keep this one independent of fonts
    for material in document["materials"]["videos"] + document["materials"]["audios"]:
        target = media / Path(material["path"]).name  # authored under /home/author: found by file name
        if material["type"] == "photo":
            mediagen.image(target, (200, 120, 40), size=(400, 300))
        elif material["type"] == "video":
            mediagen.color_video(target, "green", size=(640, 360), duration=3.0)
        else:
            mediagen.tone(target, duration=6.0)
    report = render(document, media, tmp_path / "out.mp4", width=270)
    assert (report.width, report.height) == (270, 480)
    assert report.duration_us == 5 * SEC
    features = {w["feature"] for w in report.warnings}
    assert "mask" in features and "animation" in features


def test_text_layer_is_placed_at_its_transform(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    draft.video(draft.track("video"), media_dir / "blue.mp4", 0, SEC)
    text = draft.text(draft.track("text"), "HELLO", 0, SEC)
    text["clip"]["transform"] = {"x": 0.0, "y": -0.8}  # subtitle position: centre at 0.9 H = row 216
    text["clip"]["scale"] = {"x": 2.0, "y": 2.0}
    draft.refer(text, "material_animations", {"type": "sticker_animation", "animations": [
        {"name": "渐显", "type": "in", "start": 0, "duration": 500_000}]})  # fmt: skip
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    white = (frames[25].min(axis=2) > 200).nonzero()
    assert len(white[0]) > 50
    assert float(white[0].mean()) == pytest.approx(216, abs=8)
    assert float(white[1].mean()) == pytest.approx(160, abs=12)
    faded = (frames[3].min(axis=2) > 200).sum()
    assert faded < len(white[0]) / 4  # still fading in
    assert any(w["feature"] == "animation" and w["segment_id"] == text["id"] for w in report.warnings)


def test_cli_renders_a_draft_folder_with_report(media_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from capcut_mate.cli import app

    draft = Draft()
    seg = draft.video(draft.track("video"), "C:/Users/me/Desktop/red.png", 0, 500_000, photo=True)
    draft.refer(seg, "effects", {"type": "filter", "name": "胶片"})
    folder = draft.save(tmp_path / "draft")
    out = tmp_path / "out" / "video.mp4"
    result = CliRunner().invoke(app, ["render", str(folder), "-o", str(out), "--media-root", str(media_dir)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    report = json.loads((tmp_path / "out" / "video.mp4.report.json").read_text())
    assert report["warnings"][0]["feature"] == "effects/filter"
    assert "effects/filter" in result.output
    missing = CliRunner().invoke(app, ["render", str(folder), "-o", str(out), "--remap", "C:/Users=/nowhere"])
    assert missing.exit_code == 2 and "MEDIA_MISSING" in missing.output


def test_p1_features_render_approximately(media_dir: Path, tmp_path: Path) -> None:
    """Mask, colour background, chroma key, eq keyframes and zoom/slide animations render, with warnings."""
    draft = Draft()
    main = draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    main["clip"]["scale"] = {"x": 0.5, "y": 0.5}
    draft.refer(main, "canvases", {"type": "canvas_color", "color": "#00ff00ff"})
    draft.refer(main, "material_animations", {"type": "sticker_animation", "animations": [
        {"name": "放大", "type": "in", "start": 0, "duration": 300_000},
        {"name": "向左滑动", "type": "out", "start": 700_000, "duration": 300_000}]})  # fmt: skip
    main["common_keyframes"] = [keyframes("KFTypeBrightness", [(0, 0.0), (SEC, 0.3)])]
    pip = draft.video(draft.track("video"), media_dir / "blue.mp4", 0, SEC)
    pip["clip"]["scale"] = {"x": 0.5, "y": 0.5}
    pip["clip"]["transform"] = {"x": 0.5, "y": 0.5}
    circle = {"centerX": 0, "centerY": 0, "width": 0.5, "height": 0.5, "feather": 0}
    draft.refer(pip, "masks", {"type": "mask", "resource_type": "circle", "name": "圆形", "config": circle})
    keyed = draft.video(draft.track("video"), media_dir / "blue.mp4", 0, SEC)
    keyed["clip"]["scale"] = {"x": 0.25, "y": 0.25}
    keyed["clip"]["transform"] = {"x": -0.5, "y": -0.5}
    draft.refer(keyed, "chromas", {"type": "chroma", "color": "#0000FFFF", "intensity_value": 0.2})
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    frame = rgb_frames(tmp_path / "out.mp4")[15]
    assert is_color(frame[10, 10], (0, 255, 0))  # canvas colour behind the main-track photo
    assert is_color(frame[120, 160], RED)
    assert is_color(frame[60, 240], BLUE) and is_color(frame[5, 165], (0, 255, 0))  # inside / outside circle
    assert not is_color(frame[180, 80], BLUE, 60)  # keyed out
    features = {w["feature"] for w in report.warnings}
    assert {"background", "animation", "mask", "chroma", "keyframe"} <= features


def test_keyframed_rotation_clears_between_frames(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    seg = draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    seg["clip"]["scale"] = {"x": 0.5, "y": 0.5}
    seg["common_keyframes"] = [keyframes("KFTypeRotation", [(0, 0.0), (SEC, 90.0)])]
    render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    assert is_color(frames[0][120, 235], RED)  # unrotated 160 px wide: x 80..240
    assert is_color(frames[29][120, 235], BLACK)  # ~90°: 120 px wide, nothing left over from earlier frames
    assert is_color(frames[29][50, 160], RED)  # and 160 px tall


def test_caption_track_shows_each_caption_in_its_window_and_place(media_dir: Path, tmp_path: Path) -> None:
    """Static captions of one track go through one shared input: each at its time and place, none in gaps."""
    draft = Draft()
    draft.video(draft.track("video"), media_dir / "blue.mp4", 0, SEC)
    track = draft.track("text")
    for i, (start, end, x) in enumerate([(0, 300_000, -0.5), (500_000, 800_000, 0.5), (800_000, SEC, -0.3)]):
        text = draft.text(track, "HELLO"[: 3 + i], start, end - start)
        text["clip"]["transform"] = {"x": x, "y": -0.5 + 0.3 * i}
    render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    assert len(frames) == 30

    def white_centre(n: int) -> tuple[float, float] | None:
        rows, cols = (frames[n].min(axis=2) > 200).nonzero()
        return (float(rows.mean()), float(cols.mean())) if len(rows) > 20 else None

    # centres: (H/2 - y·H/2, W/2 + x·W/2) = (180, 80), (144, 240), (108, 112)
    for n, (row, col) in ((0, (180, 80)), (8, (180, 80)), (15, (144, 240)), (23, (144, 240)), (24, (108, 112))):
        centre = white_centre(n)
        assert centre is not None, n
        assert centre == (pytest.approx(row, abs=6), pytest.approx(col, abs=12)), n
    assert white_centre(9) is None and white_centre(14) is None  # the gap 0.3..0.5 s
