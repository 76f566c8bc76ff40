"""The newcomer's path: `capcut-mate demo` runs end to end and leaves a playable MP4."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.jobs.helpers import probe

pytestmark = pytest.mark.slow  # renders end to end: `pytest -m 'not slow'` is the fast set


def test_demo_command_renders_a_video(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "capcut_mate", "demo", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    videos = list((data_dir / "outputs").rglob("*.mp4"))
    assert len(videos) == 1 and "video_url" in result.stdout
    info = probe(videos[0])
    assert abs(info["duration"] - 6.0) < 0.25 and info["video"] == [(640, 360)] and info["audio"] == 1
