"""Shared fixtures: a folder of generated media, reused by every test in the session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from capcut_mate.config import Settings
from tests import mediagen, servers

# Property tests: a bounded run by default (CI); `make fuzz-render` selects "fuzz" for many more examples.
hypothesis_settings.register_profile("ci", max_examples=25, print_blob=True)
hypothesis_settings.register_profile(
    "fuzz", max_examples=int(os.environ.get("FUZZ_RENDER_EXAMPLES", "1000")), print_blob=True
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated once per run: red.mp4 (2 s, tone), blue.mp4 (2 s, silent), counter.mp4, tone.mp3, red.png,
    block.ttf (a font of solid boxes, `mediagen.block_font`)."""
    folder = tmp_path_factory.mktemp("media")
    mediagen.color_video(folder / "red.mp4", "red")
    mediagen.color_video(folder / "blue.mp4", "blue", tone_hz=None)
    mediagen.counter_video(folder / "counter.mp4")
    mediagen.tone(folder / "tone.mp3")
    mediagen.image(folder / "red.png")
    mediagen.block_font(folder / "block.ttf")
    return folder


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Embedded defaults in a fresh data dir; loopback media allowed (tests serve media on 127.0.0.1).

    `@pytest.mark.strict_names`: unknown catalogue names are 400s (CAPCUT_MATE_STRICT_NAMES=1).
    """
    strict = request.node.get_closest_marker("strict_names") is not None
    return Settings(data_dir=tmp_path / "data", allow_private_urls=True, strict_names=strict)


@pytest.fixture
def media_url(media_dir: Path) -> Iterator[str]:
    """Base URL of a loopback HTTP server serving `media_dir`."""
    with servers.media_server(media_dir) as base_url:
        yield base_url


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    """An HTTP client bound to the real app served by uvicorn on loopback."""
    with servers.api_server(settings) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        yield client
