"""Many concurrent pollers while two renders run: every status request answers 200 (no timing asserted;
`python -m benchmarks.status_load` measures the latency)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from benchmarks.status_load import poll_load

from capcut_mate.config import Settings
from tests import servers
from tests.jobs.helpers import build_draft, post

pytestmark = pytest.mark.slow  # renders end to end: `pytest -m 'not slow'` is the fast set


@pytest.fixture
def two_workers(settings: Settings) -> Iterator[str]:
    with servers.api_server(settings.model_copy(update={"render_workers": 2})) as base_url:
        yield base_url


def test_status_pollers_get_no_errors_while_renders_run(two_workers: str, media_url: str) -> None:
    with httpx.Client(base_url=two_workers, timeout=60) as client:
        drafts = [build_draft(client, media_url) for _ in range(2)]
        for draft_url in drafts:
            post(client, "gen_video", {"draft_url": draft_url})
    out = asyncio.run(poll_load(two_workers, drafts, pollers=100, interval=0.2, limit_s=240))
    assert out["errors"] == []
    assert "processing" in out["statuses"]
    with httpx.Client(base_url=two_workers, timeout=60) as client:
        assert [post(client, "gen_video_status", {"draft_url": d})["status"] for d in drafts] == ["completed"] * 2
