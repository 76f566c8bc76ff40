"""The console in a real Chromium: drafts built over the API, a scrubbed timeline, a render to the end, a failure."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers
from tests.jobs.helpers import build_draft

pytestmark = pytest.mark.slow  # renders end to end
log = logging.getLogger(__name__)
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "console-draft.png"
RENDER_TIMEOUT_MS = 240_000


@pytest.fixture
def site(tmp_path: Path, media_dir: Path, settings: Settings) -> Iterator[tuple[str, httpx.Client, str]]:
    """The service with one render worker, a client of it, and a media server over a copy of the media."""
    source = tmp_path / "source"
    shutil.copytree(media_dir, source)
    settings = settings.model_copy(update={"render_workers": 1})
    with (
        servers.media_server(source) as media_url,
        servers.api_server(settings) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as client,
    ):
        yield base_url, client, media_url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records console errors and uncaught exceptions; the test asserts there were none."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    try:
        yield page
    finally:
        context.close()


def _document(client: httpx.Client, draft_url: str) -> dict[str, Any]:
    """The draft's draft_content.json as get_draft hands it out."""
    draft_id = draft_url.split("draft_id=")[1]
    files = client.get(f"/openapi/capcut-mate/v1/get_draft?draft_id={draft_id}").json()["files"]
    url = next(item for item in files if item.endswith("/draft_content.json"))
    return json.loads(httpx.get(url).content)


def _frame_pixels(page: Any) -> str:
    """The preview image as drawn (its pixels), to tell two frames apart."""
    return page.evaluate(
        """() => { const img = document.getElementById('preview'); const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight; c.getContext('2d').drawImage(img, 0, 0);
        return c.toDataURL(); }"""
    )


def _shot(page: Any, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    log.warning("console screenshot: %s", path)  # shown with -rA / on failure, and in the CI log


def test_list_timeline_preview_and_render(site: tuple[str, httpx.Client, str], page: Any, tmp_path: Path) -> None:
    base_url, client, media_url = site
    first = build_draft(client, media_url, video="blue.mp4")  # blue then red: frames at 0.5 s and 2.5 s differ
    second = build_draft(client, media_url)
    doc = _document(client, first)
    segments = sum(len(track["segments"]) for track in doc["tracks"])
    assert segments == 5 and doc["duration"] == 3_000_000

    page.goto(f"{base_url}/")
    for url in (first, second):
        page.locator(f'tr.draft-row[data-draft-id="{url.split("draft_id=")[1]}"]').wait_for()
    assert page.locator("tr.draft-row").count() == 2
    page.fill("#filter", first.split("draft_id=")[1][-8:])
    page.wait_for_function("document.querySelectorAll('tr.draft-row').length === 1")
    _shot(page, tmp_path / "console-list.png")

    page.click(f'a[href$="{first.split("draft_id=")[1]}"]')
    page.wait_for_selector("#preview[data-time]")
    assert page.locator(".timeline .seg").count() == segments
    assert page.locator(".timeline .lane").count() == len(doc["tracks"])
    assert "你好，世界" in page.locator(".timeline").inner_text()
    box = page.locator(".timeline .area").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 6, box["y"] + box["height"] - 5)  # 0.5 s
    page.wait_for_function("Math.abs(Number(document.getElementById('preview').dataset.time) - 500000) < 50000")
    early = _frame_pixels(page)
    page.mouse.click(box["x"] + box["width"] * 5 / 6, box["y"] + box["height"] - 5)  # 2.5 s
    page.wait_for_function("Math.abs(Number(document.getElementById('preview').dataset.time) - 2500000) < 50000")
    assert _frame_pixels(page) != early

    page.evaluate(  # every progress value the stream writes into a bar, in order
        """() => { window.progressSeen = []; new MutationObserver((changes) => { for (const change of changes)
        window.progressSeen.push(Number(change.target.getAttribute('aria-valuenow'))); })
        .observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] }); }"""
    )
    page.click("#render")
    bar = page.locator('#task .bar[aria-valuenow="100"]')
    bar.wait_for(timeout=RENDER_TIMEOUT_MS)
    duration = page.evaluate(
        """() => new Promise((resolve, reject) => { const v = document.querySelector('#task video');
        if (v.readyState >= 1) resolve(v.duration);
        v.addEventListener('loadedmetadata', () => resolve(v.duration)); v.addEventListener('error', reject); })"""
    )
    assert abs(duration - doc["duration"] / 1_000_000) <= 0.1, duration
    assert page.locator("#task .status-completed").count() == 1
    assert any("/console/events?draft_id=" in url for url in page.requested)  # progress came over the stream
    assert not any("gen_video_status" in url for url in page.requested)  # no polling
    seen = page.evaluate("window.progressSeen")
    assert seen and seen[-1] == 100 and seen == sorted(seen), seen
    shot = tmp_path / "console-draft.png"
    _shot(page, shot)
    if os.environ.get("CAPCUT_MATE_WRITE_DOCS_SCREENSHOT") == "1":  # refresh the README's picture
        shutil.copyfile(shot, DOCS_SCREENSHOT)

    page.goto(f"{base_url}/console")
    row = page.locator(f'tr.draft-row[data-draft-id="{first.split("draft_id=")[1]}"]')
    row.locator(".status-completed").wait_for()
    page.locator("#tasks .task video").wait_for()
    assert page.locator("#tasks .task").count() == 1
    assert page.errors == []


def test_failed_render_shows_its_error(
    site: tuple[str, httpx.Client, str], page: Any, tmp_path: Path, media_dir: Path, settings: Settings
) -> None:
    base_url, client, media_url = site
    source = tmp_path / "source"
    shutil.copyfile(media_dir / "blue.mp4", source / "vanishing.mp4")
    broken = build_draft(client, media_url, video="vanishing.mp4")
    page.goto(f"{base_url}/console/draft?id={broken.split('draft_id=')[1]}")
    page.wait_for_selector("#preview[data-time]")
    doc = _document(client, broken)  # now the video vanishes everywhere: from the draft, the cache and the web
    material = doc["materials"]["videos"][0]["path"]  # relative, behind the draft-folder placeholder
    (settings.drafts_dir / broken.split("draft_id=")[1] / material.split("_##/", 1)[1]).unlink()
    for cached in settings.cache_dir.iterdir():
        if cached.suffix == ".mp4" and cached.stat().st_size == (media_dir / "blue.mp4").stat().st_size:
            cached.unlink()
    (source / "vanishing.mp4").unlink()

    page.click("#render")  # refused at once (MEDIA_MISSING), naming the material: no task to fail later
    message = page.locator("#message")
    message.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    assert "vanishing.mp4" in message.inner_text() and "add_videos" in message.inner_text()
    assert page.locator("#task .task").count() == 0
    assert [e for e in page.errors if "422" not in e] == []  # only the refused gen_video request


def test_the_form_keeps_the_render_settings_and_the_task_shows_them(
    site: tuple[str, httpx.Client, str], page: Any
) -> None:
    base_url, client, media_url = site
    url = build_draft(client, media_url)
    page.goto(f"{base_url}/console/draft?id={url.split('draft_id=')[1]}")
    page.wait_for_selector("#preview[data-time]")
    page.select_option('select[name="resolution"]', "480p")
    page.select_option('select[name="quality"]', "draft")
    page.select_option('select[name="fps"]', "25")
    page.click("#render")
    page.locator("#task .status-completed").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.locator("#task video").wait_for()
    chosen = {name: page.locator(f'select[name="{name}"]').input_value() for name in ("resolution", "quality", "fps")}
    assert chosen == {"resolution": "480p", "quality": "draft", "fps": "25"}  # the reloaded form kept them
    assert page.locator('select[name="format"]').input_value() == ""
    settings = page.locator("#task .settings").inner_text()
    assert "480p" in settings and "draft" in settings and "25" in settings, settings
    assert "superfast" in page.locator("#task .settings .encoding").inner_text()
    page.reload()  # a new visit shows the last render's settings too
    page.wait_for_selector("#preview[data-time]")
    assert page.locator('select[name="quality"]').input_value() == "draft"
    assert page.errors == []


def test_api_key_from_the_page(browser: Any, tmp_path: Path) -> None:
    """With keys configured, the page shows nothing until a key is typed; the key stays in the tab's session."""
    key = "browser-test-key"
    settings = Settings(data_dir=tmp_path / "data", api_keys=[key], in_process_workers=False)
    with servers.api_server(settings) as base_url:
        created = httpx.post(
            f"{base_url}/openapi/capcut-mate/v1/create_draft",
            json={"width": 64, "height": 64},
            headers={"Authorization": f"Bearer {key}"},
        )
        ident = created.json()["draft_id"]
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(f"{base_url}/console")
        page.wait_for_selector("#message:not([hidden])")
        assert "API 密钥" in page.inner_text("#message") and page.locator("tr.draft-row").count() == 0
        assert errors and all("401" in error for error in errors)  # only the refused fragment requests
        page.fill("#api-key", key)
        page.click("#key-form button")
        page.locator(f'tr.draft-row[data-draft-id="{ident}"]').wait_for()
        assert page.locator("#message").is_hidden()
        page.reload()  # the key survives a reload of the tab
        page.locator(f'tr.draft-row[data-draft-id="{ident}"]').wait_for()
        assert key not in page.content()
        context.close()
