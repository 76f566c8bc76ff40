"""A task whose media is gone fails with a message naming the file; the rest of the queue still renders.

Design: media is copied into the draft folder when it is added, and renders read only that copy. So "the
media went 404" only matters when the draft's own copy is gone too; then the task must fail and say which
file (and which added media) it was, while other tasks are unaffected.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers
from tests.jobs.helpers import V1, assert_monotonic, build_draft, poll, post

pytestmark = pytest.mark.slow  # renders end to end: `pytest -m 'not slow'` is the fast set


def test_missing_media_fails_with_its_name_and_the_queue_goes_on(
    tmp_path: Path, media_dir: Path, settings: Settings
) -> None:
    source = tmp_path / "source"
    shutil.copytree(media_dir, source)
    shutil.copyfile(media_dir / "blue.mp4", source / "vanishing.mp4")
    settings = settings.model_copy(update={"render_workers": 1})
    # gen_video refuses a draft whose media are already gone (MEDIA_MISSING): here they go after the tasks were
    # accepted by a server without workers, and a server with one worker then renders them.
    with (
        servers.media_server(source) as media_url,
        servers.api_server(settings.model_copy(update={"in_process_workers": False})) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as client,
    ):
        broken = build_draft(client, media_url, video="vanishing.mp4")
        healthy = build_draft(client, media_url)
        post(client, "gen_video", {"draft_url": broken})
        post(client, "gen_video", {"draft_url": healthy})
        folder = settings.drafts_dir / broken.split("draft_id=")[1]
        doc = json.loads((folder / "draft_content.json").read_text("utf-8"))
        material = doc["materials"]["videos"][0]["path"]  # relative, behind the draft-folder placeholder
        missing = folder / material.split("_##/", 1)[1]
        missing.unlink()
        for cached in settings.cache_dir.iterdir():  # the fetch cache holds the same bytes
            if cached.suffix == ".mp4" and cached.stat().st_size == (media_dir / "blue.mp4").stat().st_size:
                cached.unlink()
        (source / "vanishing.mp4").unlink()
        assert httpx.get(f"{media_url}/vanishing.mp4").status_code == 404
        refused = client.post(f"{V1}/gen_video", json={"draft_url": broken})
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "MEDIA_MISSING", refused.text
    with (
        servers.api_server(settings) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as client,
    ):
        failed_seen = poll(client, broken)
        assert_monotonic(failed_seen)
        failed = failed_seen[-1]
        assert failed["status"] == "failed", failed
        assert material in failed["error_message"] and "vanishing.mp4" in failed["error_message"]
        assert "素材文件缺失" in failed["error_message"] and "add_videos" in failed["error_message"]
        assert poll(client, healthy)[-1]["status"] == "completed"
        # the worker removes a task's scratch folder just after recording its outcome: give it that moment
        deadline = time.monotonic() + 30
        while any((settings.tmp_dir / "render").iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any((settings.tmp_dir / "render").iterdir()), "temporary files must be cleaned after a failure"
