"""Families added for the wider catalogue (issue 10, part 4), drawn: pixels at chosen times."""

from __future__ import annotations

from pathlib import Path

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
