"""Families added for the wider catalogue (issue 10, part 4), drawn: pixels at chosen times."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.render.draftkit import Draft
from tests.render.helpers import is_color, render, rgb_frames

SEC = 1_000_000
RED, BLUE, BLACK = (255, 0, 0), (0, 0, 255), (0, 0, 0)


def photo(tmp_path: Path, name: str, color: tuple[int, int, int]) -> Path:
    path = tmp_path / f"{name}.png"
    Image.new("RGB", (320, 240), color).save(path)
    return path


def test_flip_intro_and_outro_turn_about_the_axis(tmp_path: Path) -> None:
    """翻入 over 0.6 s then 向上翻转 (an outro about the horizontal axis) over the last 0.6 s of 2 s."""
    draft = Draft()
    seg = draft.video(draft.track("video"), photo(tmp_path, "red", RED), 0, 2 * SEC, photo=True)
    draft.refer(seg, "material_animations", {"type": "sticker_animation", "animations": [
        {"name": "翻入", "type": "in", "start": 0, "duration": 600_000},
        {"name": "向上翻转", "type": "out", "start": 0, "duration": 600_000}]})  # fmt: skip
    report = render(draft.doc, tmp_path, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    assert is_color(frames[1][120, 160], RED) and is_color(frames[1][120, 60], BLACK)  # edge-on: a thin column
    assert is_color(frames[1][20, 160], RED)  # full height all along
    assert is_color(frames[9][120, 110], RED) and is_color(frames[9][120, 40], BLACK)  # half open
    assert is_color(frames[30][120, 5], RED)
    assert is_color(frames[58][120, 5], RED) and is_color(frames[58][10, 160], BLACK)  # a thin row at the end
    families = {w["message"].split("approximated as ")[-1] for w in report.warnings if w["feature"] == "animation"}
    assert families == {"flip"}


def test_flip_transition_turns_one_clip_away_and_the_next_in(tmp_path: Path) -> None:
    """Red then blue, cut at 0.6 s, 翻页 over 0.4 s: red narrows to the cut, blue widens after it."""
    draft = Draft()
    track = draft.track("video")
    first = draft.video(track, photo(tmp_path, "red", RED), 0, 600_000, photo=True)
    draft.video(track, photo(tmp_path, "blue", BLUE), 600_000, 600_000, photo=True)
    draft.refer(first, "transitions", {"type": "transition", "name": "翻页", "duration": 400_000, "is_overlap": True})
    render(draft.doc, tmp_path, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    assert is_color(frames[10][120, 5], RED)  # before the window
    assert is_color(frames[16][120, 160], RED) and is_color(frames[16][120, 30], BLACK)
    assert is_color(frames[20][120, 160], BLUE) and is_color(frames[20][120, 30], BLACK)
    assert is_color(frames[27][120, 5], BLUE)


def left_edge(frame: np.ndarray, row: int = 120) -> int:
    """First column of the row that is not black."""
    return int(np.argmax(frame[row].sum(axis=1) > 150))


def test_shake_transition_jolts_both_clips_while_they_dissolve(tmp_path: Path) -> None:
    """Half-size red then blue, cut at 0.6 s, 抖动 over 0.4 s: mid-window both are displaced and blended."""
    draft = Draft()
    track = draft.track("video")
    first = draft.video(track, photo(tmp_path, "red", RED), 0, 600_000, photo=True)
    second = draft.video(track, photo(tmp_path, "blue", BLUE), 600_000, 600_000, photo=True)
    for seg in (first, second):
        seg["clip"]["scale"] = {"x": 0.5, "y": 0.5}
    draft.refer(first, "transitions", {"type": "transition", "name": "抖动", "duration": 400_000, "is_overlap": True})
    render(draft.doc, tmp_path, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    still, shaken = left_edge(frames[8]), left_edge(frames[19])  # 0.63 s: 2.33 jolts into the window
    assert abs(still - 80) <= 1 and shaken - still >= 4
    mid = frames[18][120, 160]
    assert 50 < mid[0] < 205 and 50 < mid[2] < 205
    assert left_edge(frames[33]) == still  # calm again after the window


def test_scroll_loop_crosses_the_canvas_once(tmp_path: Path) -> None:
    """弹幕滚动 over a 1 s segment: the small red photo's centre goes from the right edge to the left one."""
    draft = Draft()
    seg = draft.video(draft.track("video"), photo(tmp_path, "red", RED), 0, SEC, photo=True)
    seg["clip"]["scale"] = {"x": 0.125, "y": 0.125}  # 40x30 px
    draft.refer(seg, "material_animations", {"type": "sticker_animation", "animations": [
        {"name": "弹幕滚动", "type": "loop", "start": 0, "duration": SEC}]})  # fmt: skip
    render(draft.doc, tmp_path, tmp_path / "out.mp4")
    frames = rgb_frames(tmp_path / "out.mp4")
    assert is_color(frames[3][120, 288], RED) and is_color(frames[3][120, 160], BLACK)
    assert is_color(frames[15][120, 160], RED) and is_color(frames[15][120, 288], BLACK)
    assert is_color(frames[27][120, 32], RED)
