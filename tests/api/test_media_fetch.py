"""add_* fetch media for real: failures are named, limits hold, transient errors are retried."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from capcut_mate.config import Settings
from tests.api.helpers import create_draft, draft_id, post_error, post_ok
from tests.servers import in_process


def audio_body(url: str, audio_url: str) -> dict:
    return {"draft_url": url, "audio_infos": json.dumps([{"audio_url": audio_url, "start": 0, "end": 1_000_000}])}


def test_source_404_names_the_url(api: httpx.Client, media_url: str) -> None:
    url = create_draft(api)
    details = post_error(api, "add_audios", audio_body(url, f"{media_url}/gone.mp3"), 422, "MEDIA_DOWNLOAD_FAILED")
    assert f"{media_url}/gone.mp3" in details and "404" in details


def test_not_a_media_file(api: httpx.Client, media_url: str, media_dir: Path) -> None:
    (media_dir / "fake.mp4").write_text("this is not a video")
    url = create_draft(api)
    body = {"draft_url": url, "video_infos": json.dumps([{"video_url": f"{media_url}/fake.mp4", "start": 0, "end": 1}])}
    details = post_error(api, "add_videos", body, 422, "UNSUPPORTED_MEDIA")
    assert "fake.mp4" in details


def test_wrong_kind_of_media(api: httpx.Client, media_url: str) -> None:
    url = create_draft(api)
    details = post_error(api, "add_audios", audio_body(url, f"{media_url}/red.png"), 422, "UNSUPPORTED_MEDIA")
    assert "red.png" in details


def test_transient_errors_are_retried(api: httpx.Client, media_url: str) -> None:
    url = create_draft(api)
    body = post_ok(api, "add_audios", audio_body(url, f"{media_url}/flaky/tone.mp3"))
    assert len(body["audio_ids"]) == 1


def test_non_http_urls_are_refused(api: httpx.Client) -> None:
    url = create_draft(api)
    details = post_error(api, "add_audios", audio_body(url, "file:///etc/passwd"), 400, "MEDIA_URL_FORBIDDEN")
    assert "http://" in details


@pytest.fixture
def strict_api(tmp_path: Path) -> Iterator[httpx.Client]:
    """Operator defaults: private addresses refused; a 100 kB cap and a 1 s budget to test the limits."""
    settings = Settings(data_dir=tmp_path / "data", max_download_bytes=100_000, download_timeout=1.0)
    with in_process(settings) as client:
        yield client


def test_private_addresses_are_refused_by_default(strict_api: httpx.Client, media_url: str) -> None:
    url = create_draft(strict_api)
    details = post_error(strict_api, "add_audios", audio_body(url, f"{media_url}/tone.mp3"), 400, "MEDIA_URL_FORBIDDEN")
    assert "127.0.0.1" in details and "CAPCUT_MATE_ALLOW_PRIVATE_URLS" in details


def test_size_cap_and_time_budget(tmp_path: Path, media_url: str, media_dir: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_download_bytes=20_000, download_timeout=1.0,
                        allow_private_urls=True, download_retries=1)  # fmt: skip
    with in_process(settings) as client:
        url = create_draft(client)
        assert (media_dir / "red.mp4").stat().st_size > 20_000
        body = {"draft_url": url, "video_infos": json.dumps([{"video_url": f"{media_url}/red.mp4", "start": 0,
                                                               "end": 1_000_000}])}  # fmt: skip
        details = post_error(client, "add_videos", body, 413, "MEDIA_TOO_LARGE")
        assert "20000" in details
        details = post_error(client, "add_audios", audio_body(url, f"{media_url}/slow/tone.mp3"), 422,
                             "MEDIA_DOWNLOAD_FAILED")  # fmt: skip
        assert "slow/tone.mp3" in details
        folder = settings.data_dir / "drafts" / draft_id(url)
        assert not list((folder / "assets").rglob("*.*")), "nothing half-written is left behind"
        assert not list(settings.cache_dir.glob("*.part"))
