"""What /files serves from the API's own origin: allow-listed content types, nosniff, a sandboxing CSP, a
draft's files as attachments, and HEAD and Range on every route."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest

from capcut_mate.config import Settings
from capcut_mate.storage.content_types import FALLBACK, SAFE_TYPES, safe_content_type
from tests.api.helpers import V1, create_draft, draft_id, post_ok
from tests.api.test_import_hostile import PAGE, SVG

INERT = {"x-content-type-options": "nosniff", "content-security-policy": "default-src 'none'; sandbox"}
PLAYABLE = {  # a video opened in a tab: its player document may load the video, and nothing else; no script
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; media-src 'self'; img-src 'self'; sandbox allow-same-origin",
}
DOCUMENT_TYPES = ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml")
SAME_ON_HEAD = ("content-type", "content-length", "accept-ranges", "content-disposition", "etag", "last-modified")


def path_of(url: str) -> str:
    return httpx.URL(url).raw_path.decode()


def assert_inert(response: httpx.Response, *, attachment: bool) -> None:
    assert response.status_code == 200, (response.request.url, response.text)
    for name, value in (INERT if attachment else PLAYABLE).items():
        assert response.headers[name] == value, (response.request.url, name)
    kind = response.headers["content-type"].split(";")[0]
    assert kind in {*SAFE_TYPES.values(), FALLBACK} and kind not in DOCUMENT_TYPES, kind
    disposition = response.headers.get("content-disposition", "")
    assert disposition.startswith("attachment") if attachment else not disposition, disposition


def assert_head_matches(client: httpx.Client, path: str, got: httpx.Response) -> None:
    head = client.head(path)
    assert head.status_code == 200 and head.content == b"", (path, head.status_code)
    for name in (*SAME_ON_HEAD, *INERT):  # the same names in PLAYABLE
        assert head.headers.get(name) == got.headers.get(name), (path, name)
    assert int(head.headers["content-length"]) == len(got.content)


@pytest.fixture
def full_draft(api: httpx.Client, media_url: str) -> str:
    url = create_draft(api)
    post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(
        [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000}])})  # fmt: skip
    post_ok(api, "add_images", {"draft_url": url, "image_infos": json.dumps(
        [{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000}])})  # fmt: skip
    post_ok(api, "add_audios", {"draft_url": url, "audio_infos": json.dumps(
        [{"audio_url": f"{media_url}/tone.mp3", "start": 0, "end": 1_000_000}])})  # fmt: skip
    post_ok(api, "add_font", {"draft_url": url, "font_url": f"{media_url}/block.ttf"})
    return url


def test_every_file_of_a_draft_and_its_zip_is_an_inert_attachment_with_head(api: httpx.Client, full_draft: str) -> None:
    listing = api.get(f"{V1}/get_draft", params={"draft_id": draft_id(full_draft)}).json()
    kinds = set()
    for url in listing["files"]:
        got = api.get(path_of(url))
        assert_inert(got, attachment=True)
        assert got.headers["accept-ranges"] == "bytes"
        assert_head_matches(api, path_of(url), got)
        kinds.add(got.headers["content-type"].split(";")[0])
    assert {"application/json", "video/mp4", "image/png", "audio/mpeg", "font/ttf"} <= kinds, kinds

    got = api.get(path_of(listing["zip_url"]))
    assert_inert(got, attachment=True)
    assert got.headers["content-type"] == "application/zip" and zipfile.is_zipfile(io.BytesIO(got.content))
    head = api.head(path_of(listing["zip_url"]))
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(got.content))


def test_ranges_of_a_draft_file(api: httpx.Client, full_draft: str) -> None:
    listing = api.get(f"{V1}/get_draft", params={"draft_id": draft_id(full_draft)}).json()
    video = path_of(next(url for url in listing["files"] if "/assets/videos/" in url))
    whole = api.get(video).content
    part = api.get(video, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    assert part.headers["x-content-type-options"] == "nosniff"
    tail = api.get(video, headers={"Range": "bytes=-64"})
    assert tail.status_code == 206 and tail.content == whole[-64:]


def test_files_stored_before_the_checks_are_served_inert(api: httpx.Client, settings: Settings) -> None:
    """A page or SVG already in a draft folder or among the outputs (imported by an older version, put
    there by hand) is served as octet-stream that browsers only download, never as a document."""
    url = create_draft(api)
    folder = settings.data_dir / "drafts" / draft_id(url)
    planted = {"assets/videos/page.html": PAGE, "assets/images/logo.svg": SVG, "notes.xml": b"<a/>", "x.xhtml": PAGE}
    for relative, data in planted.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
        got = api.get(f"/files/drafts/{draft_id(url)}/{relative}")
        assert_inert(got, attachment=True)
        assert got.headers["content-type"] == FALLBACK and got.content == data
        assert_head_matches(api, f"/files/drafts/{draft_id(url)}/{relative}", got)
    outputs = settings.data_dir / "outputs" / "d1"
    outputs.mkdir(parents=True)
    (outputs / "t.html").write_bytes(PAGE)
    (outputs / "t.mp4").write_bytes(b"\0" * 1000)
    page = api.get("/files/outputs/d1/t.html")
    assert_inert(page, attachment=False)
    assert page.headers["content-type"] == FALLBACK
    video = api.get("/files/outputs/d1/t.mp4")
    assert_inert(video, attachment=False)  # inline: a player or a browser tab plays a video_url
    assert video.headers["content-type"] == "video/mp4"
    assert_head_matches(api, "/files/outputs/d1/t.mp4", video)


def test_missing_files_are_404_on_head_too(api: httpx.Client) -> None:
    url = create_draft(api)
    for path in (f"/files/drafts/{draft_id(url)}/assets/none.mp4", "/files/outputs/none/x.mp4"):
        assert api.head(path).status_code == 404
        assert api.get(path).status_code == 404
    assert api.head("/files/drafts/20990101000000000000000000000000.zip").status_code == 404


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.mp4", "video/mp4"), ("A.PNG", "image/png"), ("x.html", FALLBACK), ("x.svg", FALLBACK), ("x", FALLBACK),
     ("x.htm", FALLBACK), ("x.xml", FALLBACK), ("x.js", FALLBACK), ("x.pdf", FALLBACK), ("d/x.mp3", "audio/mpeg")],
)  # fmt: skip
def test_the_allow_list(name: str, kind: str) -> None:
    assert safe_content_type(name) == kind
