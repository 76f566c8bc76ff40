"""The console over plain HTTP: what is open without a key, what is not, the languages, the event stream."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers
from tests.api.helpers import create_draft, draft_id

KEY = "console-test-key"


@pytest.fixture
def keyed(tmp_path: Path) -> httpx.Client:
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, api_keys=[KEY], render_workers=1)
    with servers.in_process(settings) as client:
        yield client


def test_pages_open_data_keyed(keyed: httpx.Client) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    assert keyed.post("/openapi/capcut-mate/v1/create_draft", json={"width": 64, "height": 64}).status_code == 401
    url = keyed.post("/openapi/capcut-mate/v1/create_draft", json={"width": 64, "height": 64}, headers=auth).json()
    ident = draft_id(url["draft_url"])
    shells = {path: keyed.get(path) for path in ("/console", f"/console/draft?id={ident}")}
    assert all(page.status_code == 200 for page in shells.values())
    assert ident not in shells["/console"].text  # the shells carry no data: the fragments below do
    assert 'class="timeline"' not in shells[f"/console/draft?id={ident}"].text
    for path in ("/console/static/console.js", "/console/static/console.css"):
        assert keyed.get(path).status_code == 200, path
    assert keyed.get("/", follow_redirects=False).headers["location"] == "/console"
    for path in ("/console/fragments/drafts", "/console/fragments/tasks", f"/console/fragments/draft?id={ident}"):
        refused = keyed.get(path)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "UNAUTHORIZED", path
        assert keyed.get(path, headers=auth).status_code == 200, path
    assert ident in keyed.get("/console/fragments/drafts", headers=auth).text
    assert keyed.get(f"/console/events?draft_id={ident}").status_code == 401


def test_languages_and_bad_ids(api: httpx.Client) -> None:
    ident = draft_id(create_draft(api))
    assert "草稿" in api.get("/console/fragments/drafts").text
    english = api.get("/console/fragments/drafts", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert "Draft id" in english and "草稿" not in english
    assert api.get("/console/fragments/drafts?q=nothing-like-it").text.count("draft-row") == 0
    assert ident in api.get(f"/console/fragments/drafts?q={ident[-6:].upper()}").text
    for path in ("/console/draft?id=../etc", "/console/fragments/draft?id=x", "/console/events?draft_id=x"):
        bad = api.get(path)
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_DRAFT_URL", path
    missing = api.get("/console/fragments/draft?id=20200101000000abcdef")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "DRAFT_NOT_FOUND"
    assert "/console" not in api.get("/openapi.json").text  # the console is not part of the API


def test_event_stream_of_a_draft_without_tasks_ends_idle(api: httpx.Client) -> None:
    ident = draft_id(create_draft(api))
    stream = api.get(f"/console/events?draft_id={ident}")
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.text == "event: idle\ndata: {}\n\n"
