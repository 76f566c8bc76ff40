"""/files in a real Chromium, on the console's origin: a page or SVG that got into storage never runs (it
downloads; no script, no dialog), while a rendered video opened in a tab still plays despite the CSP."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from capcut_mate.config import Settings
from tests import servers
from tests.api.test_import_hostile import PAGE, SVG
from tests.jobs.helpers import V1


@pytest.fixture
def site(settings: Settings, media_dir: Path) -> Iterator[tuple[str, Settings, str]]:
    with servers.api_server(settings) as base, httpx.Client(base_url=base) as client:
        draft_url = client.post(f"{V1}/create_draft", json={"width": 320, "height": 240}).json()["draft_url"]
        yield base, settings, draft_url.split("draft_id=")[1]


def test_planted_documents_download_and_never_run(browser: Any, site: tuple[str, Settings, str]) -> None:
    base, settings, draft_id = site
    folder = settings.data_dir / "drafts" / draft_id / "assets" / "videos"
    folder.mkdir(parents=True)
    (folder / "page.html").write_bytes(PAGE)
    (folder / "logo.svg").write_bytes(SVG)
    outputs = settings.data_dir / "outputs" / "d1"
    outputs.mkdir(parents=True)
    (outputs / "page.html").write_bytes(PAGE)
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(f"{base}/console")
        for path in (
            f"/files/drafts/{draft_id}/assets/videos/page.html",
            f"/files/drafts/{draft_id}/assets/videos/logo.svg",
            "/files/outputs/d1/page.html",
        ):
            with (
                page.expect_download() as download,
                pytest.raises(Exception, match=r"Download is starting|ERR_ABORTED"),
            ):
                page.goto(f"{base}{path}")
            assert download.value.suggested_filename.endswith((".html", ".svg")), path
        assert dialogs == []
    finally:
        context.close()


def test_a_rendered_video_opened_in_a_tab_plays(browser: Any, site: tuple[str, Settings, str], media_dir: Path) -> None:
    """The CSP runs no script, yet the browser's own player document still loads the video (under
    `default-src 'none'; sandbox` Chromium blocks it: the first policy tried)."""
    base, settings, _ = site
    outputs = settings.data_dir / "outputs" / "d1"
    outputs.mkdir(parents=True)
    shutil.copyfile(media_dir / "red.mp4", outputs / "task.mp4")
    page = browser.new_page()
    try:
        response = page.goto(f"{base}/files/outputs/d1/task.mp4")
        policy = response.headers["content-security-policy"]
        assert policy.startswith("default-src 'none'") and "sandbox" in policy and "allow-scripts" not in policy
        page.wait_for_function("() => { const v = document.querySelector('video'); return v && v.readyState >= 1 }")
        assert page.evaluate("() => document.querySelector('video').videoWidth") == 320
        frames = [Image.new("RGB", (64, 48), colour) for colour in ("red", "blue")]
        frames[0].save(outputs / "task.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
        page.goto(f"{base}/files/outputs/d1/task.gif")  # gen_video's format "gif"
        page.wait_for_function("() => { const i = document.querySelector('img'); return i && i.complete }")
        assert page.evaluate("() => document.querySelector('img').naturalWidth") == 64
    finally:
        page.close()
