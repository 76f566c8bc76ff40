"""Bad input is a 4xx with the envelope, never a 500: the reproducers of issue 11 §1.

These tests render nothing, so they talk to the app in-process (Starlette's TestClient); only the
keep-alive test needs a real uvicorn, since dropping the connection is uvicorn's behaviour.
"""

from __future__ import annotations

import http.client
import json
import os
import struct
import zlib
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from capcut_mate.api.app import create_app
from capcut_mate.config import Settings
from capcut_mate.drafts.ids import DRAFT_ID_RE, validate_draft_id
from capcut_mate.errors import ApiError
from tests import mediagen
from tests.api.helpers import V1, captions, create_draft, draft_id
from tests.servers import api_server, media_server


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app in-process, without its lifespan (no render workers: nothing here renders)."""
    test_client = TestClient(create_app(settings))
    yield test_client
    test_client.close()


def envelope(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"] and error["details"], error
    return error


def folder_bytes(settings: Settings, url: str) -> dict[str, bytes]:
    folder = settings.data_dir / "drafts" / draft_id(url)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- file routes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/files/outputs/x%00",
        "/files/outputs/" + "a" * 300 + ".mp4",
        "/files/outputs/" + "é" * 200,  # 400 bytes in UTF-8
        "/files/drafts/{id}/draft_content.json%00.png",
        "/files/drafts/{id}/" + "b" * 300,
        "/files/drafts/{id}/assets/" + "c" * 256 + "/x.png",
    ],
)
def test_file_routes_refuse_names_the_file_system_cannot_hold(client: TestClient, path: str) -> None:
    url = create_draft(client)
    envelope(client.get(path.format(id=draft_id(url))), 404, "NOT_FOUND")


# -- URLs -------------------------------------------------------------------------------------------------

BAD_PORTS = ["http://example.com:99999/a.mp3", "http://example.com:abc/a.mp3", "http://example.com:-1/a.mp3"]


def _url_bodies(draft_url: str, bad: str) -> list[tuple[str, dict, str]]:
    def infos(key: str) -> str:
        return json.dumps([{key: bad, "start": 0, "end": 1_000_000}])

    return [
        ("add_videos", {"draft_url": draft_url, "video_infos": infos("video_url")}, "MEDIA_URL_FORBIDDEN"),
        ("add_images", {"draft_url": draft_url, "image_infos": infos("image_url")}, "MEDIA_URL_FORBIDDEN"),
        ("add_audios", {"draft_url": draft_url, "audio_infos": infos("audio_url")}, "MEDIA_URL_FORBIDDEN"),
        ("get_audio_duration", {"mp3_url": bad}, "MEDIA_URL_FORBIDDEN"),
        ("audio_timelines", {"links": [bad]}, "MEDIA_URL_FORBIDDEN"),
        ("easy_create_material", {"draft_url": draft_url, "audio_url": bad}, "MEDIA_URL_FORBIDDEN"),
        ("gen_video", {"draft_url": draft_url, "callback_url": bad}, "VALIDATION_ERROR"),
    ]


@pytest.mark.parametrize("bad", BAD_PORTS)
def test_bad_ports_are_refused_on_every_url_field(client: TestClient, bad: str) -> None:
    draft_url = create_draft(client)
    for endpoint, body, code in _url_bodies(draft_url, bad):
        error = envelope(client.post(f"{V1}/{endpoint}", json=body), 400, code)
        assert "port" in error["details"].lower() or "valid URL" in error["details"], (endpoint, error)


# -- media that is too big in pixels ----------------------------------------------------------------------


def png_bomb(path: Path, side: int = 20_000) -> Path:
    """A real 1-bit PNG of side×side black pixels: a few dozen kB on disk, gigabytes once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def test_a_png_decompression_bomb_is_a_clear_422(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    assert png_bomb(served / "bomb.png").stat().st_size < 500_000
    url = create_draft(client)
    before = folder_bytes(settings, url)
    with media_server(served) as base:
        body = {"draft_url": url, "image_infos": json.dumps([{"image_url": f"{base}/bomb.png", "start": 0, "end": 1}])}
        error = envelope(client.post(f"{V1}/add_images", json=body), 422, "UNSUPPORTED_MEDIA")
    assert "bomb.png" in error["details"] and "CAPCUT_MATE_MAX_IMAGE_PIXELS" in error["details"]
    assert folder_bytes(settings, url) == before


def test_the_pixel_cap_holds_for_video_too(tmp_path: Path, media_dir: Path, media_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, max_image_pixels=320 * 240 - 1)
    with closing(TestClient(create_app(settings))) as client:
        url = create_draft(client)
        body = {
            "draft_url": url,
            "video_infos": json.dumps([{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1}]),
        }
        error = envelope(client.post(f"{V1}/add_videos", json=body), 422, "UNSUPPORTED_MEDIA")
    assert "320x240" in error["details"]


# -- bodies -----------------------------------------------------------------------------------------------


def test_a_body_that_is_not_utf8_is_a_validation_error(client: TestClient) -> None:
    response = client.post(
        f"{V1}/create_draft", content=b'{"width": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    envelope(response, 400, "VALIDATION_ERROR")


NUMERIC_FIELDS = [
    ("create_draft", {"height": None}),
    ("create_draft", {"width": None}),
    ("get_text_animations", {"type": "in", "mode": None}),
    ("timelines", {"duration": None, "num": 2, "start": 0, "type": 0}),
    ("timelines", {"duration": 10, "num": 2, "start": None, "type": 0}),
    ("audio_infos", {"mp3_urls": ["https://e.com/a.mp3"], "timelines": [{"start": None, "end": 5}]}),
    ("audio_infos", {"mp3_urls": ["https://e.com/a.mp3"], "timelines": [{"start": 0, "end": 5}], "volume": None}),
]


@pytest.mark.parametrize(("endpoint", "body"), NUMERIC_FIELDS)
@pytest.mark.parametrize("not_a_number", [True, False, "one", ""])
def test_numeric_fields_take_numbers_only(client: TestClient, endpoint: str, body: dict, not_a_number: object) -> None:
    filled = {key: (not_a_number if value is None else value) for key, value in body.items()}
    if "timelines" in body and body["timelines"][0]["start"] is None:
        filled["timelines"] = [{"start": not_a_number, "end": 5}]
    error = envelope(client.post(f"{V1}/{endpoint}", json=filled), 400, "VALIDATION_ERROR")
    assert "must be a number" in error["details"]


def test_numbers_are_still_numbers(client: TestClient) -> None:
    assert client.post(f"{V1}/create_draft", json={"width": 640, "height": 360.0}).status_code == 200


def test_405_names_the_allowed_methods(client: TestClient) -> None:
    response = client.get(f"{V1}/create_draft")
    envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"


def test_bodies_over_the_cap_are_413_with_or_without_content_length(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_body_bytes=10_000)
    with closing(TestClient(create_app(settings))) as client:
        big = {"draft_url": "x" * 20_000, "captions": "[]"}
        error = envelope(client.post(f"{V1}/add_captions", json=big), 413, "REQUEST_TOO_LARGE")
        assert "CAPCUT_MATE_MAX_BODY_BYTES" in error["details"]
        chunks = (b'{"draft_url": "' + b"y" * 1000 for _ in range(20))  # chunked: no Content-Length
        response = client.post(f"{V1}/add_captions", content=chunks, headers={"content-type": "application/json"})
        envelope(response, 413, "REQUEST_TOO_LARGE")
        assert client.post(f"{V1}/create_draft", json={}).status_code == 200


def test_errors_quote_a_short_prefix_of_bad_input(client: TestClient) -> None:
    huge = "http://x/get_draft?draft_id=" + "9" * 1_000_000
    for endpoint, body in [
        ("add_captions", {"draft_url": huge, "captions": captions("x")}),
        ("gen_video_status", {"draft_url": huge}),
        ("add_audios", {"draft_url": create_draft(client), "audio_infos": json.dumps([{"audio_url": huge}])}),
        ("get_audio_duration", {"mp3_url": "ftp://" + "z" * 1_000_000}),
    ]:
        response = client.post(f"{V1}/{endpoint}", json=body)
        assert 400 <= response.status_code < 500, response.text[:300]
        assert len(response.content) < 2_000, (endpoint, len(response.content))


# -- draft_url: one rule, ASCII ids -----------------------------------------------------------------------

DRAFT_URL_ENDPOINTS = ["save_draft", "add_captions", "add_audios", "add_effects", "gen_video", "gen_video_status"]


@pytest.mark.parametrize("bad", ["http://x/get_draft", "http://x/get_draft?draft_id=20250101000000" + "٣" * 16])
def test_a_bad_draft_url_gets_one_code_everywhere(client: TestClient, bad: str) -> None:
    """INVALID_DRAFT_URL on every endpoint, except gen_video_status where the seed says VALIDATION_ERROR."""
    for endpoint in DRAFT_URL_ENDPOINTS:
        body = {"draft_url": bad, "captions": captions("x"), "audio_infos": "[]", "effect_infos": "[]"}
        code = "VALIDATION_ERROR" if endpoint == "gen_video_status" else "INVALID_DRAFT_URL"
        envelope(client.post(f"{V1}/{endpoint}", json=body), 400, code)
    envelope(client.get(f"{V1}/gen_video_report", params={"draft_url": bad}), 400, "INVALID_DRAFT_URL")
    envelope(client.get(f"{V1}/get_draft", params={"draft_id": bad.partition("=")[2] or "x"}), 400, "INVALID_DRAFT_URL")


@given(st.text(st.characters(categories=["Nd"]), min_size=14, max_size=14))
@hyp_settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_draft_ids_take_ascii_digits_only(digits: str) -> None:
    draft = digits + "0123456789abcdef"
    if digits.isascii():
        assert validate_draft_id(draft) == draft
    else:
        with pytest.raises(ApiError) as caught:
            validate_draft_id(draft)
        assert caught.value.code == "INVALID_DRAFT_URL"
    assert DRAFT_ID_RE.fullmatch(draft + "\n") is None


# -- a crash inside a handler keeps the connection --------------------------------------------------------


def test_an_unhandled_error_answers_the_envelope_and_keeps_the_connection(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with api_server(settings, app=app) as base:
        conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
        conn.request("GET", "/boom", headers={"Accept-Language": "en"})
        first = conn.getresponse()
        body = json.loads(first.read())
        assert first.status == 500 and body["error"]["code"] == "INTERNAL_ERROR", body
        assert body["error"]["message"] == "Internal server error" and "a bug" not in json.dumps(body)
        socket_before = conn.sock
        assert socket_before is not None and not first.will_close
        conn.request("GET", "/healthz")
        second = conn.getresponse()
        assert second.status == 200 and json.loads(second.read())["status"] == "ok"
        assert conn.sock is socket_before  # the same TCP connection answered both
        conn.close()


# -- media that lies ----------------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path, media_dir: Path) -> Iterator[tuple[Path, str]]:
    """A folder of our own on a loopback server, for files a test writes and rewrites."""
    folder = tmp_path / "served"
    folder.mkdir()
    with media_server(folder) as base:
        yield folder, base


def html_and_zip(folder: Path) -> None:
    import zipfile

    (folder / "page.png").write_text("<!doctype html><html><body>not an image</body></html>\n" * 50)
    with zipfile.ZipFile(folder / "archive.png", "w") as zipped:
        zipped.writestr("inside.txt", "not an image" * 100)


@pytest.mark.parametrize("name", ["page.png", "archive.png"])
def test_content_not_extension_decides_the_kind(
    client: TestClient, settings: Settings, served: tuple[Path, str], media_dir: Path, name: str
) -> None:
    folder, base = served
    html_and_zip(folder)
    mediagen.image(folder / "good.png")
    url = create_draft(client)
    before = folder_bytes(settings, url)
    items = [
        {"image_url": f"{base}/good.png", "start": 0, "end": 1},
        {"image_url": f"{base}/{name}", "start": 1, "end": 2},
    ]
    body = {"draft_url": url, "image_infos": json.dumps(items)}
    error = envelope(client.post(f"{V1}/add_images", json=body), 422, "UNSUPPORTED_MEDIA")
    assert f"{base}/{name}" in error["details"]
    assert str(settings.data_dir.resolve()) not in error["details"] and "/tmp" not in error["details"]
    assert folder_bytes(settings, url) == before  # the good image's file is not left behind either


def test_a_truncated_faststart_mp4_is_refused_naming_the_url(
    client: TestClient, settings: Settings, served: tuple[Path, str]
) -> None:
    folder, base = served
    mediagen.run_ffmpeg(
        "-f", "lavfi", "-i", "color=c=red:s=160x120:r=30:d=4", "-c:v", "libx264", "-preset", "ultrafast",
        "-g", "30", "-movflags", "+faststart", str(folder / "whole.mp4"),
    )  # fmt: skip
    data = (folder / "whole.mp4").read_bytes()
    (folder / "cut.mp4").write_bytes(data[: len(data) // 2])
    url = create_draft(client)
    before = folder_bytes(settings, url)
    body = {"draft_url": url, "video_infos": json.dumps([{"video_url": f"{base}/cut.mp4", "start": 0, "end": 1}])}
    error = envelope(client.post(f"{V1}/add_videos", json=body), 422, "UNSUPPORTED_MEDIA")
    assert f"{base}/cut.mp4" in error["details"] and "does not decode to its end" in error["details"]
    assert folder_bytes(settings, url) == before
    body = {"draft_url": url, "video_infos": json.dumps([{"video_url": f"{base}/whole.mp4", "start": 0, "end": 1}])}
    assert client.post(f"{V1}/add_videos", json=body).status_code == 200


def test_an_item_rejected_while_editing_leaves_no_files(client: TestClient, settings: Settings, media_url: str) -> None:
    """add_images with an audio URL fails inside the edit, after the good image was linked: both go."""
    url = create_draft(client)
    before = folder_bytes(settings, url)
    items = [
        {"image_url": f"{media_url}/red.png", "start": 0, "end": 1},
        {"image_url": f"{media_url}/tone.mp3", "start": 1, "end": 2},
    ]
    error = envelope(client.post(f"{V1}/add_images", json={"draft_url": url, "image_infos": json.dumps(items)}),
                     422, "UNSUPPORTED_MEDIA")  # fmt: skip
    assert "tone.mp3" in error["details"]
    assert folder_bytes(settings, url) == before
    listed = client.get(f"{V1}/get_draft", params={"draft_id": draft_id(url)}).json()["files"]
    assert not any("/assets/images/" in file for file in listed)


def test_a_save_that_fails_halfway_leaves_the_folder_as_it_was(settings: Settings, media_url: str) -> None:
    """draft_content.json is replaced, then draft_info.json cannot be (a folder stands in its way): the
    first gets its old bytes back and the image stored for the call is removed again."""
    with closing(TestClient(create_app(settings), raise_server_exceptions=False)) as client:
        url = create_draft(client)
        blocker = settings.data_dir / "drafts" / draft_id(url) / "draft_info.json"
        blocker.unlink()
        (blocker / "in-the-way").mkdir(parents=True)
        (blocker / "in-the-way" / "file").write_bytes(b"x")
        before = folder_bytes(settings, url)
        items = json.dumps([{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000}])
        response = client.post(f"{V1}/add_images", json={"draft_url": url, "image_infos": items})
        envelope(response, 500, "INTERNAL_ERROR")
        assert folder_bytes(settings, url) == before
        assert not list((settings.data_dir / "drafts" / draft_id(url)).glob("assets/images/*"))


# -- the media cache heals ------------------------------------------------------------------------------------


def duration_of(client: TestClient, url: str) -> httpx.Response:
    return client.post(f"{V1}/get_audio_duration", json={"mp3_url": url})


def test_a_url_fixed_at_its_source_is_accepted(client: TestClient, served: tuple[Path, str]) -> None:
    folder, base = served
    (folder / "voice.mp3").write_text("<html>maintenance</html>")
    envelope(duration_of(client, f"{base}/voice.mp3"), 422, "UNSUPPORTED_MEDIA")
    mediagen.tone(folder / "voice.mp3", duration=1.0)
    response = duration_of(client, f"{base}/voice.mp3")
    assert response.status_code == 200 and response.json()["duration"] > 900_000


def test_cached_media_is_revalidated_after_its_ttl(tmp_path: Path, served: tuple[Path, str]) -> None:
    folder, base = served
    path = mediagen.tone(folder / "voice.mp3", duration=1.0)
    fresh = Settings(data_dir=tmp_path / "a", allow_private_urls=True)  # default TTL: an hour
    stale = Settings(data_dir=tmp_path / "b", allow_private_urls=True, cache_ttl=0)
    with closing(TestClient(create_app(fresh))) as keeps, closing(TestClient(create_app(stale))) as checks:
        assert duration_of(keeps, f"{base}/voice.mp3").json()["duration"] < 1_500_000
        assert duration_of(checks, f"{base}/voice.mp3").json()["duration"] < 1_500_000
        meta = json.loads(next((tmp_path / "b" / "cache").glob("*.json")).read_text())
        assert meta["last_modified"]
        assert duration_of(checks, f"{base}/voice.mp3").json()["duration"] < 1_500_000  # 304: still fine
        mediagen.tone(path, duration=2.0)
        stamp = path.stat().st_mtime + 10  # Last-Modified has 1 s resolution: make the change visible
        os.utime(path, (stamp, stamp))
        assert duration_of(checks, f"{base}/voice.mp3").json()["duration"] > 1_500_000
        assert duration_of(keeps, f"{base}/voice.mp3").json()["duration"] < 1_500_000  # within its TTL


def test_the_cache_stays_under_its_size_cap(tmp_path: Path, media_dir: Path, served: tuple[Path, str]) -> None:
    folder, base = served
    names = [f"tone{i}.mp3" for i in range(4)]
    for i, name in enumerate(names):
        mediagen.tone(folder / name, hz=300 + 100 * i, duration=1.0)
    one = max((folder / name).stat().st_size for name in names)
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, cache_max_bytes=2 * one + 100)
    with closing(TestClient(create_app(settings))) as client:
        url = create_draft(client)
        for i, name in enumerate(names):
            items = json.dumps([{"audio_url": f"{base}/{name}", "start": 0, "end": 500_000}])
            assert client.post(f"{V1}/add_audios", json={"draft_url": url, "audio_infos": items}).status_code == 200
            cached = [p for p in (settings.cache_dir).iterdir() if p.suffix == ".mp3"]
            assert sum(p.stat().st_size for p in cached) <= settings.cache_max_bytes, i
        assert len(list(settings.cache_dir.glob("*.json"))) == 2  # the two most recent entries
        assets = list((settings.drafts_dir / draft_id(url) / "assets" / "audios").iterdir())
        assert len(assets) == 4  # drafts keep their files: they are links, not cache entries
        assert client.app.state.services.fetcher._url_locks.__len__() == 0  # type: ignore[attr-defined]


def test_a_changed_source_gets_its_own_file_in_the_draft(tmp_path: Path, served: tuple[Path, str]) -> None:
    """Earlier segments keep the bytes they were made with; the new one gets the new content."""
    folder, base = served
    path = mediagen.tone(folder / "voice.mp3", duration=1.0)
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, cache_ttl=0)
    with closing(TestClient(create_app(settings))) as client:
        url = create_draft(client)
        items = json.dumps([{"audio_url": f"{base}/voice.mp3", "start": 0, "end": 500_000}])
        assert client.post(f"{V1}/add_audios", json={"draft_url": url, "audio_infos": items}).status_code == 200
        audios = settings.drafts_dir / draft_id(url) / "assets" / "audios"
        (first,) = audios.iterdir()
        old = first.read_bytes()
        mediagen.tone(path, hz=880, duration=2.0)
        stamp = path.stat().st_mtime + 10
        os.utime(path, (stamp, stamp))
        assert client.post(f"{V1}/add_audios", json={"draft_url": url, "audio_infos": items}).status_code == 200
        new = path.read_bytes()
        assert old != new and sorted(p.read_bytes() for p in audios.iterdir()) == sorted([old, new])
