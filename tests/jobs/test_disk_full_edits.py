"""A full disk during an edit: every add_* that downloads and import_draft answer 507 DISK_FULL (as a render
says it), leave the draft byte-identical and no partial file behind, and work again once space is freed.
The data directory is a small tmpfs this test mounts (root only, as in CI)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers, volumes
from tests.api.helpers import V1, draft_files, draft_id, zip_bytes
from tests.render.draftkit import Draft

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")


@pytest.fixture
def volume(tmp_path: Path) -> Iterator[Path]:
    with volumes.tmpfs(tmp_path / "volume", size_mb=16) as mount_point:
        yield mount_point


def edits(url: str, media_url: str) -> dict[str, dict[str, Any]]:
    """One call of every add_* that brings a file into the draft."""
    return {
        "add_videos": {"draft_url": url, "video_infos": json.dumps(
            [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000}])},
        "add_images": {"draft_url": url, "image_infos": json.dumps(
            [{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000}])},
        "add_audios": {"draft_url": url, "audio_infos": json.dumps(
            [{"audio_url": f"{media_url}/tone.mp3", "start": 0, "end": 1_000_000}])},
        "add_font": {"draft_url": url, "font_url": f"{media_url}/block.ttf"},
        "add_captions": {"draft_url": url, "font_url": f"{media_url}/block.ttf", "captions": json.dumps(
            [{"text": "hi", "start": 0, "end": 1_000_000}])},
        "easy_create_material": {"draft_url": url, "audio_url": f"{media_url}/tone.mp3",
                                 "img_url": f"{media_url}/red.png"},
    }  # fmt: skip


def assert_disk_full(response: httpx.Response) -> None:
    assert response.status_code == 507, response.text
    error = response.json()["error"]
    assert error["code"] == "DISK_FULL" and "磁盘" in error["message"] and "free disk space" in error["details"]


def leftovers(settings: Settings) -> list[str]:
    """Partial downloads in the cache, scratch of imports, folders of drafts that were never made."""
    partial = [p.name for p in settings.cache_dir.rglob("*") if p.name.endswith(".part")]
    return partial + [p.name for p in settings.tmp_dir.iterdir()]


@pytest.mark.parametrize("keys", [[], ["disk-key"]], ids=["open", "with-api-keys"])  # + the auth middleware
def test_a_full_disk_is_disk_full_for_every_download_and_import(
    volume: Path, settings: Settings, media_url: str, media_dir: Path, keys: list[str]
) -> None:
    settings = settings.model_copy(update={"data_dir": volume / "data", "api_keys": keys})
    draft = Draft()
    draft.video(draft.track("video"), "C:/me/red.mp4", 0, 1_000_000)
    upload = zip_bytes({"draft_content.json": json.dumps(draft.doc).encode(), "red.mp4": media_dir / "red.mp4"})
    with servers.media_server(media_dir) as zips, servers.in_process(settings) as client:
        client.headers["Authorization"] = "Bearer disk-key"
        (media_dir / "draft.zip").write_bytes(upload)
        url = client.post(f"{V1}/create_draft", json={"width": 320, "height": 240}).json()["draft_url"]
        before = draft_files(settings, url)
        drafts_before = sorted(p.name for p in settings.drafts_dir.iterdir())
        filler = volume / "filler"
        volumes.fill(filler, leave=0)

        for endpoint, body in edits(url, media_url).items():
            response = client.post(f"{V1}/{endpoint}", json=body)
            assert_disk_full(response)
            assert draft_files(settings, url) == before, endpoint
            assert leftovers(settings) == [], endpoint
        response = client.post(f"{V1}/import_draft", files={"file": ("d.zip", upload, "application/zip")})
        assert_disk_full(response)
        response = client.post(f"{V1}/import_draft", json={"zip_url": f"{zips}/draft.zip"})
        assert_disk_full(response)
        assert sorted(p.name for p in settings.drafts_dir.iterdir()) == drafts_before
        assert_disk_full(client.get(f"/files/drafts/{draft_id(url)}.zip"))  # the zip is built in scratch
        assert leftovers(settings) == []
        assert client.get("/healthz").json()["status"] == "ok"

        filler.unlink()
        for endpoint, body in edits(url, media_url).items():
            assert client.post(f"{V1}/{endpoint}", json=body).status_code == 200, endpoint
        response = client.post(f"{V1}/import_draft", files={"file": ("d.zip", upload, "application/zip")})
        assert response.status_code == 200 and response.json()["missing_materials"] == [], response.text
        assert draft_id(response.json()["draft_url"]) not in drafts_before
        assert client.get(f"/files/drafts/{draft_id(url)}.zip").status_code == 200
