"""The zoo's fixtures: every member generated once per session, served on loopback, one API server per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from capcut_mate.config import Settings
from tests import mediagen, servers
from tests.zoo.members import GREEN, MEMBERS


@pytest.fixture(scope="session")
def zoo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("zoo")
    for member in MEMBERS.values():
        if not (folder / member.filename).exists():
            member.make(folder / member.filename)
    mediagen.image(folder / "green.png", GREEN)
    return folder


@pytest.fixture(scope="module")
def zoo_url(zoo_dir: Path) -> Iterator[str]:
    with servers.media_server(zoo_dir) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def zoo_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The real app under uvicorn on loopback, rendering in its own workers."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("zoo-data"), allow_private_urls=True)
    with servers.api_server(settings) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        yield client
