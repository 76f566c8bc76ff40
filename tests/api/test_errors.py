"""Bad input gets a clear error, a real HTTP status, and leaves the draft exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from capcut_mate.config import Settings
from tests.api.helpers import V1, captions, create_draft, draft_files, draft_id, post_error


def test_invalid_json_body(api: httpx.Client) -> None:
    details = post_error(api, "add_captions", "{not json", 400, "VALIDATION_ERROR")
    assert "JSON" in details


def test_missing_and_mistyped_fields(api: httpx.Client) -> None:
    assert "captions" in post_error(api, "add_captions", {"draft_url": "x"}, 400, "VALIDATION_ERROR")
    details = post_error(api, "create_draft", {"width": "wide"}, 400, "VALIDATION_ERROR")
    assert details.startswith("width:")


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ("[{bad", "captions: not valid JSON"),
        ('{"text": "a"}', "captions: expected a JSON array"),
        ("[]", "captions: the array is empty"),
        ('["text"]', "captions[0]: expected an object"),
        ('[{"text": "a", "start": 5, "end": 5}]', "captions[0]: Value error, end (5) must be greater than start (5)"),
        ('[{"text": "a", "start": -1, "end": 5}]', "captions[0].start: Input should be greater than or equal to 0"),
        ('[{"text": "  ", "start": 0, "end": 5}]', "captions[0].text: Value error, text must not be blank"),
        ('[{"start": 0, "end": 5}]', "captions[0].text: Field required"),
        ('[{"text": "a", "start": 0, "end": 9}, {"text": "b", "start": 5, "end": 20}]', "captions[1] (5-20) overlaps"),
    ],
)
def test_caption_items_are_checked(api: httpx.Client, settings: Settings, items: str, expected: str) -> None:
    url = create_draft(api)
    before = draft_files(settings, url)
    details = post_error(api, "add_captions", {"draft_url": url, "captions": items}, 400, "VALIDATION_ERROR")
    assert expected in details
    assert draft_files(settings, url) == before


@pytest.mark.strict_names
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"text_color": "red"}, "text_color: 'red' is not a colour of the form #RRGGBB"),
        ({"border_color": "#12345"}, "border_color"),
        ({"font": "no such font at all"}, "font: unknown font"),
        ({"alignment": 6}, "alignment: Input should be less than or equal to 5"),
    ],
)
def test_caption_style_is_checked(api: httpx.Client, settings: Settings, body: dict, expected: str) -> None:
    url = create_draft(api)
    before = draft_files(settings, url)
    details = post_error(api, "add_captions", {"draft_url": url, "captions": captions("x"), **body}, 400,
                         "VALIDATION_ERROR")  # fmt: skip
    assert expected in details
    assert draft_files(settings, url) == before


@pytest.mark.parametrize(
    ("field", "item", "expected"),
    [
        ("video_infos", {"video_url": "u", "start": 0, "end": 1, "volume": 11}, "video_infos[0].volume"),
        ("audio_infos", {"audio_url": "u", "start": 0, "end": 1, "volume": 2.5}, "audio_infos[0].volume"),
        ("image_infos", {"image_url": "u", "start": 3, "end": 2}, "image_infos[0]: Value error, end (2)"),
        ("image_infos", {"start": 0, "end": 2}, "image_infos[0].image_url: Field required"),
    ],
)
def test_media_items_are_checked(api: httpx.Client, field: str, item: dict, expected: str) -> None:
    url = create_draft(api)
    endpoint = {"video_infos": "add_videos", "audio_infos": "add_audios", "image_infos": "add_images"}[field]
    details = post_error(api, endpoint, {"draft_url": url, field: json.dumps([item])}, 400, "VALIDATION_ERROR")
    assert expected in details


@pytest.mark.parametrize(
    "draft_url",
    [
        "http://x/get_draft",
        "http://x/get_draft?draft_id=../../etc",
        "http://x/get_draft?draft_id=2025010100000012345678%2F..",
        "http://x/get_draft?draft_id=20250101000000ABCDEF",
        "",
    ],
)
def test_malformed_draft_urls(api: httpx.Client, draft_url: str) -> None:
    post_error(api, "add_captions", {"draft_url": draft_url, "captions": captions("x")}, 400, "INVALID_DRAFT_URL")


def test_unknown_draft_and_traversal_on_get_and_files(api: httpx.Client) -> None:
    missing = "20250101000000" + "0" * 16
    post_error(api, "save_draft", {"draft_url": f"http://x/get_draft?draft_id={missing}"}, 404, "DRAFT_NOT_FOUND")
    response = api.get(f"{V1}/get_draft", params={"draft_id": "../../../etc/passwd"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "INVALID_DRAFT_URL"
    url = create_draft(api)
    for path in ["../../capcut_mate.sqlite3", "..%2F..%2Fcapcut_mate.sqlite3", "%2Fetc%2Fpasswd"]:
        response = api.get(f"/files/drafts/{draft_id(url)}/{path}")
        assert response.status_code in (400, 404), path
        assert "error" in response.json()


def test_unknown_route_and_method(api: httpx.Client) -> None:
    assert api.post(f"{V1}/no_such_endpoint", json={}).json()["error"]["code"] == "NOT_FOUND"
    response = api.get(f"{V1}/create_draft")
    assert response.status_code == 405 and response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_api_keys_when_configured(tmp_path: Path) -> None:
    from tests.servers import api_server

    settings = Settings(data_dir=tmp_path / "data", api_keys=["s3cret"])  # type: ignore[arg-type]
    with api_server(settings) as base, httpx.Client(base_url=base) as client:
        response = client.post(f"{V1}/create_draft", json={})
        assert response.status_code == 401 and response.json()["error"]["code"] == "UNAUTHORIZED"
        ok = client.post(f"{V1}/create_draft", json={}, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert client.get("/healthz").status_code == 200
