"""API tests render nothing, so they call the app in-process; real uvicorn stays for the HTTP-level tests
(keep-alive, restarts) and for tests/jobs, where renders run in the server's workers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    with servers.in_process(settings) as client:
        yield client
