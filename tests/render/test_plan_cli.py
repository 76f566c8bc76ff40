"""`capcut-mate plan` then `render --plan` gives the very frames `render` gives from the draft.

A small draft with videos, a photo, a caption, a colour filter over them and a transition, rendered both
ways through the command line; the decoded frames (and audio) are compared by ffmpeg's framemd5, in one
pass and in chunks.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capcut_mate.cli import app
from capcut_mate.ffmpeg import ffmpeg_exe
from tests.render.draftkit import Draft

SEC = 1_000_000


def frame_hashes(path: Path) -> list[str]:
    """One md5 per decoded frame and audio packet (stream, pts, size, hash), as ffmpeg's framemd5 writes."""
    listing = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in listing.splitlines() if line and not line.startswith("#")]


def small_draft(media_dir: Path, folder: Path) -> Path:
    draft = Draft(width=160, height=120)
    track = draft.track("video")
    first = draft.video(track, media_dir / "counter.mp4", 0, SEC)
    draft.video(track, media_dir / "red.png", SEC, SEC, photo=True)
    draft.video(track, media_dir / "blue.mp4", 2 * SEC, SEC)  # a cut with no transition: chunks may split there
    draft.refer(first, "transitions", {"type": "transition", "name": "叠化", "duration": 400_000})
    draft.text(draft.track("text"), "Hi", 200_000, 1_500_000)
    effect = draft.track("effect")
    draft._segment(effect, draft.material("effects", {"type": "filter", "name": "黑白", "value": 0.8}), 0, SEC)
    return draft.save(folder)


@pytest.mark.parametrize("chunk_seconds", ["0", "0.5"])
def test_render_of_the_plan_gives_the_drafts_frames(media_dir: Path, tmp_path: Path, chunk_seconds: str) -> None:
    folder = small_draft(media_dir, tmp_path / "draft")
    common = ["--chunk-seconds", chunk_seconds]
    direct = CliRunner().invoke(app, ["render", str(folder), "-o", str(tmp_path / "direct.mp4"), *common])
    assert direct.exit_code == 0, direct.output

    planned = CliRunner().invoke(app, ["plan", str(folder), "--chunk-seconds", chunk_seconds])
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert {layer["kind"] for layer in plan["layers"]} == {"video", "photo", "text"}
    assert plan["adjustments"][0]["colour"] == {"kind": "saturation", "amount": pytest.approx(0.2)}
    assert (len(plan["chunks"]) > 1) == (chunk_seconds != "0")
    (tmp_path / "plan.json").write_text(planned.stdout, encoding="utf-8")

    args = ["render", str(folder), "--plan", str(tmp_path / "plan.json"), "-o", str(tmp_path / "planned.mp4")]
    from_plan = CliRunner().invoke(app, [*args, *common])
    assert from_plan.exit_code == 0, from_plan.output
    direct_frames = frame_hashes(tmp_path / "direct.mp4")
    assert len(direct_frames) > 60
    assert frame_hashes(tmp_path / "planned.mp4") == direct_frames


def test_a_plan_that_is_not_one_is_refused_by_name(media_dir: Path, tmp_path: Path) -> None:
    folder = small_draft(media_dir, tmp_path / "draft")
    (tmp_path / "plan.json").write_text('{"layers": []}', encoding="utf-8")
    result = CliRunner().invoke(app, ["render", "--plan", str(tmp_path / "plan.json"), "-o", str(tmp_path / "x.mp4")])
    assert result.exit_code == 2 and "PLAN_INVALID" in result.output
    sized = CliRunner().invoke(app, ["render", str(folder), "--plan", "p.json", "-o", "x.mp4", "--width", "64"])
    assert sized.exit_code == 2 and "capcut-mate plan" in sized.output
