"""Shared fixtures: a folder of generated media, reused by every test in the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import mediagen


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated once per run: red.mp4 (2 s, tone), blue.mp4 (2 s, silent), counter.mp4, tone.mp3, red.png."""
    folder = tmp_path_factory.mktemp("media")
    mediagen.color_video(folder / "red.mp4", "red")
    mediagen.color_video(folder / "blue.mp4", "blue", tone_hz=None)
    mediagen.counter_video(folder / "counter.mp4")
    mediagen.tone(folder / "tone.mp3")
    mediagen.image(folder / "red.png")
    return folder
