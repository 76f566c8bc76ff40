"""Draft -> plan rules, without ffmpeg."""

from __future__ import annotations

import pytest

from capcut_mate.render import RenderError, RenderOptions
from capcut_mate.render.graph.build import piecewise
from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.plan.geometry import fit_size, max_scale, value_at
from tests.render.draftkit import Draft, keyframes

SEC = 1_000_000


def test_layers_sorted_by_render_index_then_track() -> None:
    draft = Draft()
    text = draft.text(draft.track("text"), "hi", 0, SEC)
    low = draft.video(draft.track("video"), "/m/a.mp4", 0, SEC)
    high = draft.video(draft.track("video"), "/m/b.mp4", 0, SEC)
    del text["render_index"]  # falls back to the text default (15000): on top
    low["render_index"] = high["render_index"] = 0
    plan = build_plan(draft.doc)
    assert [layer.segment_id for layer in plan.layers] == [low["id"], high["id"], text["id"]]


def test_canvas_from_ratio_and_overrides() -> None:
    draft = Draft(0, 0)
    draft.doc["canvas_config"]["ratio"] = "9:16"
    draft.video(draft.track("video"), "/m/a.png", 0, SEC, photo=True)
    plan = build_plan(draft.doc)
    assert (plan.canvas_width, plan.canvas_height) == (1080, 1920)
    plan = build_plan(draft.doc, RenderOptions(height=960, fps=25))
    assert (plan.width, plan.height, plan.fps) == (540, 960, 25)


def test_transition_window_centred_on_the_cut() -> None:
    draft = Draft()
    track = draft.track("video")
    first = draft.video(track, "/m/a.mp4", 0, SEC)
    draft.video(track, "/m/b.mp4", SEC, SEC)
    transition = {"type": "transition", "name": "万花筒", "duration": 600_000}  # 18 frames at 30 fps
    draft.refer(first, "transitions", transition)
    plan = build_plan(draft.doc)
    a, b = plan.layers
    assert (a.tail_us, b.lead_us) == (300_000, 300_000)
    assert b.motions[0].kind == "fade_in" and b.motions[0].start_us == -300_000
    assert [w.feature for w in plan.warnings] == ["transition"]  # no family: drawn as a dissolve, reported
    transition["name"] = "闪黑"  # through black: A fades out before the cut, B in after it; no overlap
    a, b = build_plan(draft.doc).layers
    assert (a.tail_us, b.lead_us) == (0, 0)
    assert (a.motions[0].kind, a.motions[0].start_us, a.motions[0].color) == ("fade_out", 700_000, "black")
    assert (b.motions[0].kind, b.motions[0].start_us, b.motions[0].color) == ("fade_in", 0, "black")


def test_keyframes_audio_and_muting() -> None:
    draft = Draft()
    video = draft.track("video", mute=True)
    seg = draft.video(video, "/m/a.mp4", 0, SEC, speed=1.5)
    seg["common_keyframes"] = [keyframes("KFTypeScaleX", [(0, 1.0), (SEC, 2.0)], curve="Bezier")]
    music = draft.audio(draft.track("audio"), "/m/t.mp3", 0, SEC, fade_in=100_000, fade_out=200_000)
    music["common_keyframes"] = [keyframes("KFTypeVolume", [(0, 1.0), (SEC, 0.0)])]
    plan = build_plan(draft.doc)
    layer = plan.layers[0]
    assert layer.transform.keyframes["scale_y"] == ((0, 1.0), (SEC, 2.0))  # uniform scale follows x
    assert max_scale(layer) == (2.0, 2.0)
    assert [a.segment_id for a in plan.audio] == [music["id"]]  # the muted video track adds no audio
    assert (plan.audio[0].fade_in_us, plan.audio[0].fade_out_us) == (100_000, 200_000)
    assert any(w.feature == "keyframe_curve" for w in plan.warnings)


def test_gaps_on_the_magnetic_main_track_are_reported() -> None:
    draft = Draft()
    draft.doc["config"]["maintrack_adsorb"] = True
    draft.video(draft.track("video"), "/m/a.mp4", SEC, SEC)
    plan = build_plan(draft.doc)
    assert plan.duration_us == 2 * SEC
    assert [w.feature for w in plan.warnings] == ["main_track_gap"]


def test_empty_draft_raises() -> None:
    with pytest.raises(RenderError) as caught:
        build_plan(Draft().doc)
    assert caught.value.code == "DRAFT_EMPTY"


def test_geometry_helpers() -> None:
    assert fit_size(640, 360, 1080, 1920) == (1080, 607.5)
    points = [(0, 0.0), (SEC, 1.0)]
    assert value_at(points, -5) == 0.0 and value_at(points, SEC // 2) == 0.5 and value_at(points, 2 * SEC) == 1.0
    expr = piecewise(points, "t")
    assert expr == "if(lt(t,0),0,if(lt(t,1),0+(1)*(t-(0))/1,1))"
