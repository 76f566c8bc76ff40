"""benchmarks.narration runs end to end on a small canvas: script -> draft over HTTP -> video with music,
loudness and ducking. Nothing is timed; `python -m benchmarks.narration` does the measuring."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_narration_benchmark_runs_and_its_captions_meet_the_voice() -> None:
    cmd = [sys.executable, "-m", "benchmarks.narration", "--sentences", "3", "--size", "108x192", "--loudness", "-16"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True, timeout=600)
    result = json.loads(proc.stdout)
    assert result["sentences"] == 3 and result["size"] == "108x192"
    assert result["synthesis_seconds"] > 0 and result["render_seconds"] > 0
    assert len(result["alignment_frames"]["signed"]) == 3
    assert result["alignment_frames"]["p95"] <= 1.0
    assert abs(result["loudness_lufs"] + 16) <= 1.0
    assert result["report_audio"]["ducked_db"] >= 8
