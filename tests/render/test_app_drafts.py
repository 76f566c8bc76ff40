"""Drafts saved by the CapCut app (8.x, new_version 167-169): animation windows and Bézier keyframes.

The shapes here are the app's, not pyJianYingDraft's: an outro saved with `start: 0`, text animations typed
"sticker_animation" / material_type "sticker", keyframes with FreeCurveInOut handles.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.plan.curves import MAX_PIECES, TOLERANCE
from capcut_mate.render.plan.geometry import value_at
from tests.render.draftkit import Draft, new_id
from tests.render.helpers import render, rgb_frames

SEC = 1_000_000
FRAME = SEC / 30
PURPLE = (0.6, 0.2, 0.9)


def app_animations(in_us: int, out_us: int, loop: str | None = None) -> dict:
    """The material_animations entry CapCut 169 saves for a caption with Fade In + Fade Out (+ a loop)."""

    def entry(kind: str, name: str, duration: int, category: str) -> dict:
        return {"id": new_id("anim"), "type": kind, "start": 0, "duration": duration, "name": name,
                "material_type": "sticker", "category_id": category, "category_name": kind.title(),
                "panel": "", "platform": "all", "resource_id": "6724916044072227332",
                "source_platform": 1, "anim_adjust_params": None, "path": "C:/cache/effect/x"}  # fmt: skip

    animations = [entry("in", "Fade In", in_us, "ruchang"), entry("out", "Fade Out", out_us, "chuchang")]
    if loop is not None:
        animations.append(entry("loop", loop, 0, "xunhuan"))
    return {"type": "sticker_animation", "multi_language_current": "none", "animations": animations}


def app_caption(draft: Draft, start: int, duration: int) -> dict:
    """ "THE EYES ARE WATCHING ME." in three style ranges, the middle one purple, as the app stores it."""
    text = "THE EYES ARE WATCHING ME."
    white = {"solid": {"color": [1.0, 1.0, 1.0]}}
    ranges = [(0, 9, white), (9, 21, {"solid": {"color": list(PURPLE)}}), (21, len(text), white)]
    styles = [{"range": [a, b], "size": 7.0, "fill": {"content": content}} for a, b, content in ranges]
    material = draft.material("texts", {"type": "text", "content": json.dumps({"text": text, "styles": styles}),
                                        "alignment": 1})  # fmt: skip
    return draft._segment(draft.track("text"), material, start, duration)


def ink(frame: np.ndarray) -> tuple[int, int]:
    """(white pixels, purple pixels) of a caption over black."""
    white = int((frame.min(axis=2) > 190).sum())
    r, g, b = (frame[..., n] for n in range(3))
    purple = int(((b > 150) & (r > 90) & (g < 110) & (b > g + 80)).sum())
    return white, purple


def test_app_caption_with_fade_in_and_out_is_visible_between_them(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    caption = app_caption(draft, 0, 1_500_000)
    draft.refer(caption, "material_animations", app_animations(500_000, 500_000))
    report = render(draft.doc, media_dir, tmp_path / "app.mp4")
    frames = rgb_frames(tmp_path / "app.mp4")

    plain = Draft()
    app_caption(plain, 0, 1_500_000)
    render(plain.doc, media_dir, tmp_path / "plain.mp4")
    reference = rgb_frames(tmp_path / "plain.mp4")

    full_white, full_purple = ink(reference[22])
    assert full_white > 100 and full_purple > 50
    for n in (16, 22, 28):  # between the intro (frames 0-14) and the outro (frames 30-44): fully shown
        white, purple = ink(frames[n])
        assert white >= 0.9 * full_white and purple >= 0.9 * full_purple, n
    assert ink(frames[2])[0] < full_white / 2  # fading in
    assert ink(frames[43])[0] < full_white / 2  # fading out at the end, not at the start
    halfway = float(frames[37].sum()) / float(reference[37].sum())
    assert 0.3 < halfway < 0.7  # halfway through the outro it is half there
    assert not [w for w in report.warnings if w["feature"] == "hidden"]


@settings(max_examples=60, deadline=None)
@given(
    duration=st.integers(min_value=200_000, max_value=20 * SEC),
    in_us=st.integers(min_value=40_000, max_value=3 * SEC),  # one frame or more: shorter ones are dropped
    out_us=st.integers(min_value=40_000, max_value=3 * SEC),
    written_out_start=st.integers(min_value=0, max_value=20 * SEC),
    kind=st.sampled_from(["text", "photo"]),
)
def test_windows_follow_the_role_whatever_start_says(
    duration: int, in_us: int, out_us: int, written_out_start: int, kind: str
) -> None:
    draft = Draft(fps=25)
    if kind == "text":
        seg = draft.text(draft.track("text"), "A", 0, duration)
    else:
        seg = draft.video(draft.track("video"), "/m/a.png", 0, duration, photo=True)
    animations = app_animations(in_us, out_us, loop="摇摆")
    animations["animations"][1]["start"] = written_out_start
    draft.refer(seg, "material_animations", animations)
    plan = build_plan(draft.doc)
    (layer,) = plan.layers
    frame = SEC / 25
    by_kind = {m.kind: m for m in layer.motions}
    fade_out = by_kind["fade_out"]
    assert fade_out.start_us + fade_out.duration_us == layer.duration_us  # the outro ends with the segment
    assert abs(fade_out.duration_us - min(out_us, duration)) <= frame
    assert by_kind["fade_in"].start_us == 0
    room = duration - min(in_us, duration) - min(out_us, duration)
    if "swing" in by_kind:  # the loop fills the time between intro and outro
        swing = by_kind["swing"]
        assert abs(swing.start_us - min(in_us, duration)) <= frame
        assert abs(swing.start_us + swing.duration_us - (duration - min(out_us, duration))) <= frame
    else:
        assert room < frame
    assert not [w for w in plan.warnings if "approximated as linear" in w.message]


# --- hidden segments ------------------------------------------------------------------------------------


def test_hidden_segments_are_reported_by_name(media_dir: Path, tmp_path: Path) -> None:
    draft = Draft()
    below = draft.video(draft.track("video"), media_dir / "blue.mp4", 0, SEC)  # under a full-canvas photo
    draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    faded = draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    faded["clip"]["scale"] = {"x": 0.3, "y": 0.3}
    faded["common_keyframes"] = [
        {"id": "a", "property_type": "KFTypeAlpha", "keyframe_list": [
            {"time_offset": 0, "values": [0.0], "curveType": "Line"},
            {"time_offset": SEC, "values": [0.0], "curveType": "Line"}]}]  # fmt: skip
    away = draft.text(draft.track("text"), "AWAY", 0, SEC)
    away["clip"]["transform"] = {"x": 0.0, "y": 3.0}
    sliding = draft.text(draft.track("text"), "IN", 0, SEC)  # passes through the canvas: visible
    sliding["common_keyframes"] = [
        {"id": "p", "property_type": "KFTypePositionX", "keyframe_list": [
            {"time_offset": 0, "values": [-4.0], "curveType": "Line"},
            {"time_offset": SEC, "values": [4.0], "curveType": "Line"}]}]  # fmt: skip
    shown = draft.text(draft.track("text"), "HI", 0, SEC)
    report = render(draft.doc, media_dir, tmp_path / "out.mp4", width=160, height=120)
    hidden = {w["segment_id"]: w["message"] for w in report.warnings if w["feature"] == "hidden"}
    assert set(hidden) == {below["id"], faded["id"], away["id"]}
    assert "covers it" in hidden[below["id"]] and "opacity is zero" in hidden[faded["id"]]
    assert "outside the canvas" in hidden[away["id"]]
    assert sliding["id"] not in hidden and shown["id"] not in hidden


# --- Bézier keyframes -----------------------------------------------------------------------------------


def bezier_curve(t0: int, v0: float, t1: int, v1: float, right: tuple, left: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The app's curve sampled densely in the Bézier parameter: (times, values), independent of curves.py."""
    s = np.linspace(0.0, 1.0, 20001)
    xs = np.array([t0, min(max(t0 + right[0], t0), t1), min(max(t1 + left[0], t0), t1), t1], dtype=float)
    ys = np.array([v0, v0 + right[1], v1 + left[1], v1], dtype=float)
    basis = np.stack([(1 - s) ** 3, 3 * (1 - s) ** 2 * s, 3 * (1 - s) * s**2, s**3])
    return xs @ basis, ys @ basis


def app_keyframe(t: int, value: float, left: tuple = (0.0, 0.0), right: tuple = (0.0, 0.0), **fields: str) -> dict:
    return {"id": new_id("k"), "curveType": "FreeCurveInOut", "time_offset": t, "values": [value],
            "left_control": {"x": left[0], "y": left[1]}, "right_control": {"x": right[0], "y": right[1]},
            "string_value": "", "graphID": "", **fields}  # fmt: skip


def ken_burns(seg: dict, points: list[dict]) -> None:
    seg["common_keyframes"] = [{"id": new_id("kf"), "material_id": "", "property_type": prop,
                                "keyframe_list": points} for prop in ("KFTypeScaleX", "KFTypeScaleY")]  # fmt: skip


def within_a_frame(
    curve: tuple[np.ndarray, np.ndarray], t: float, value: float, slack: float, frame: float = FRAME
) -> bool:
    """Whether `value` is what the curve shows at some time within one frame of t."""
    times, values = curve
    near = values[(times >= t - frame) & (times <= t + frame)]
    ends = np.interp([t - frame, t + frame], times, values)
    low, high = min(near.min(initial=ends.min()), ends.min()), max(near.max(initial=ends.max()), ends.max())
    return low - slack <= value <= high + slack


def test_app_ken_burns_is_drawn_along_its_bezier(media_dir: Path, tmp_path: Path) -> None:
    """Scale 0.9 -> 0.4 over 0.733 s with the app's Cubic Out handles, read back from the red width."""
    draft = Draft()
    seg = draft.video(draft.track("video"), media_dir / "red.png", 0, SEC, photo=True)
    right, left = (234_667.0, -0.47), (-293_333.0, 0.0)
    ken_burns(seg, [app_keyframe(0, 0.9, right=right), app_keyframe(733_333, 0.4, left=left)])
    report = render(draft.doc, media_dir, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    curve = bezier_curve(0, 0.9, 733_333, 0.4, right, left)
    two_pixels = 2 / 320
    for n, frame in enumerate(frames[:24]):
        scale = float((frame[120, :, 0] > 128).sum()) / 320
        assert within_a_frame(curve, n * FRAME, scale, two_pixels), (n, scale)
    straight = 0.9 - 0.5 * (5 * FRAME) / 733_333
    measured = float((frames[5][120, :, 0] > 128).sum()) / 320
    assert measured < straight - 0.08  # eased: far below the straight line early on
    assert not [w for w in report.warnings if w["feature"] == "keyframe_curve"]


handles = st.tuples(st.floats(0.0, 1.2), st.floats(-3.0, 3.0))


@settings(max_examples=150, deadline=None)
@given(
    length=st.integers(min_value=1_000, max_value=30 * SEC),
    v0=st.floats(-5.0, 5.0),
    v1=st.floats(-5.0, 5.0),
    right=handles,
    left=handles,
    fps=st.sampled_from([24.0, 25.0, 30.0, 60.0]),
)
def test_sampled_curve_is_within_a_frame_of_the_bezier(
    length: int, v0: float, v1: float, right: tuple, left: tuple, fps: float
) -> None:
    """Any handles (even past the neighbour keyframe): the plan's points follow the curve, bounded in size."""
    start = 250_000
    rx, ry = right[0] * length, right[1]
    lx, ly = -left[0] * length, left[1]
    draft = Draft(fps=fps)
    seg = draft.video(draft.track("video"), "/m/a.png", 0, start + length + SEC, photo=True)
    seg["common_keyframes"] = [{"id": "k", "property_type": "KFTypePositionX", "keyframe_list": [
        app_keyframe(start, v0, right=(rx, ry)), app_keyframe(start + length, v1, left=(lx, ly))]}]  # fmt: skip
    plan = build_plan(draft.doc)
    points = plan.layers[0].transform.keyframes["x"]
    assert len(points) <= MAX_PIECES + 1
    assert points[0] == (start, v0) and points[-1] == (start + length, v1)
    curve = bezier_curve(start, v0, start + length, v1, (rx, ry), (lx, ly))
    span = max(abs(v1 - v0), abs(ry), abs(ly), 1e-9)
    for t in np.arange(start, start + length, SEC / fps):
        assert within_a_frame(curve, t, value_at(points, t), 2 * TOLERANCE * span, SEC / fps), t


@pytest.mark.parametrize(
    ("curve_type", "graph_name", "handles"),
    [
        ("EaseOut", "", (0.32, 0.94, -0.4, 0.0)),
        ("FreeCurveInOut", "Cubic Out", (0.32, 0.94, -0.4, 0.0)),
        ("EaseIn", "", (0.42, 0.0, 0.0, 0.0)),
        ("FreeCurveInOut", "Cubic InOut", (0.42, 0.0, -0.42, 0.0)),
    ],
)
def test_named_presets_without_handles_get_the_apps_handles(
    curve_type: str, graph_name: str, handles: tuple[float, float, float, float]
) -> None:
    def plan_of(first: dict, second: dict, graphs: list[dict]) -> list[tuple[int, float]]:
        draft = Draft()
        draft.doc["keyframe_graph_list"] = graphs
        seg = draft.video(draft.track("video"), "/m/a.png", 0, 2 * SEC, photo=True)
        ken_burns(seg, [first, second])
        plan = build_plan(draft.doc)
        assert not [w for w in plan.warnings if w.feature == "keyframe_curve"]
        return plan.layers[0].transform.keyframes["scale_x"]

    graphs = [{"id": "g1", "resource_name": graph_name, "graph_points": []}] if graph_name else []
    named = plan_of(
        app_keyframe(0, 1.0, curveType=curve_type, graphID="g1" if graph_name else ""),
        app_keyframe(SEC, 2.0),
        graphs,
    )
    rx, ry, lx, ly = handles
    explicit = plan_of(app_keyframe(0, 1.0, right=(rx * SEC, ry)), app_keyframe(SEC, 2.0, left=(lx * SEC, ly)), [])
    assert named == explicit and len(named) > 2


def test_unknown_curve_names_are_reported_and_drawn_straight() -> None:
    draft = Draft()
    seg = draft.video(draft.track("video"), "/m/a.png", 0, 2 * SEC, photo=True)
    ken_burns(seg, [app_keyframe(0, 1.0, curveType="Elastic"), app_keyframe(SEC, 2.0)])
    plan = build_plan(draft.doc)
    assert plan.layers[0].transform.keyframes["scale_x"] == ((0, 1.0), (SEC, 2.0))
    messages = [w.message for w in plan.warnings if w.feature == "keyframe_curve"]
    assert messages == [f"{prop} curve 'Elastic' approximated as linear" for prop in ("KFTypeScaleX", "KFTypeScaleY")]
