"""The spoken word highlighted: a karaoke caption (add_narration's fields) drawn one word window at a time,
the word being spoken in ktv_color, the rest in the caption's own colour."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.build import build_plan
from tests.render.draftkit import Draft
from tests.render.helpers import render, rgb_frames

SEC = 1_000_000
WORDS = ["MMM ", "WWW ", "HHH"]
# Each word's spoken window in ms from the caption's start; a pause between the second and the third.
TIMES = [(0, 400), (400, 800), (1000, 1400)]
FPS = 10


def karaoke_draft(**segment: object) -> dict[str, object]:
    d = Draft(480, 160, FPS)
    text = "".join(WORDS)
    cuts = [0, 4, 8, len(text)]
    style = {"size": 28.0, "fill": {"content": {"solid": {"color": [1.0, 1.0, 1.0]}}}}
    content = {"text": text, "styles": [{**style, "range": [a, b]} for a, b in itertools.pairwise(cuts)]}
    material = d.material("texts", {
        "type": "subtitle", "content": json.dumps(content), "alignment": 1, "ktv_color": "#ff0000",
        "words": {"text": [w.strip() for w in WORDS], "start_time": [a for a, _ in TIMES],
                  "end_time": [b for _, b in TIMES]},
    })  # fmt: skip
    d._segment(d.track("text"), material, 0, 2 * SEC, **segment)
    return d.doc


def red_columns(frame: np.ndarray) -> np.ndarray:
    red = (frame[..., 0] > 180) & (frame[..., 1] < 90) & (frame[..., 2] < 90)
    return np.flatnonzero(red.any(axis=0))


def white_columns(frame: np.ndarray) -> np.ndarray:
    return np.flatnonzero((frame.min(axis=2) > 200).any(axis=0))


def test_the_word_being_spoken_is_red_and_only_it(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    report = render(karaoke_draft(), tmp_path, out)
    frames = rgb_frames(out)
    spans = []
    for start_ms, end_ms in TIMES:
        frame = frames[(start_ms + end_ms) // 2 * FPS // 1000]
        red = red_columns(frame)
        assert len(red) > 10
        spans.append((red.min(), red.max()))
        # the other words are drawn, in white, beside the red one
        white = white_columns(frame)
        assert np.any(white < red.min()) or np.any(white > red.max())
    assert spans[0][1] < spans[1][0] and spans[1][1] < spans[2][0]  # left to right, no word red twice
    for pause in (frames[9], frames[15]):  # between the 2nd and 3rd words, after the last
        assert len(red_columns(pause)) == 0 and len(white_columns(pause)) > 10
    assert not any(w["feature"] == "karaoke" or "karaoke" in w["message"] for w in report.warnings)


def test_a_karaoke_caption_is_one_layer_per_window_back_to_back() -> None:
    plan = build_plan(karaoke_draft(), RenderOptions())
    windows = [(layer.start_us, layer.start_us + layer.duration_us) for layer in plan.layers]
    assert windows == [(0, 400_000), (400_000, 800_000), (800_000, 1_000_000), (1_000_000, 1_400_000),
                       (1_400_000, 2 * SEC)]  # fmt: skip
    assert all(layer.text is not None and layer.text.karaoke is None for layer in plan.layers)


def test_moving_text_keeps_one_plain_layer_and_says_so() -> None:
    keyframes = [{"id": "k", "property_type": "KFTypePositionX", "keyframe_list": [
        {"time_offset": 0, "values": [0.0], "curveType": "Line"},
        {"time_offset": SEC, "values": [0.5], "curveType": "Line"}]}]  # fmt: skip
    plan = build_plan(karaoke_draft(common_keyframes=keyframes), RenderOptions())
    assert len(plan.layers) == 1
    assert [w.feature for w in plan.warnings] == ["karaoke"]
