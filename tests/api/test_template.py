"""Template mode over HTTP: import_draft (zips made here, from app-shaped drafts, our own zips and the CapCut
calibration draft), list_segments, replace_material and replace_text; failures leave nothing behind."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyJianYingDraft
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from capcut_mate.config import Settings
from capcut_mate.media.probe import probe
from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft
from capcut_mate.render.prepare.probe import probe as render_probe
from tests import mediagen, servers
from tests.api.helpers import (
    V1,
    captions,
    content_of,
    create_draft,
    draft_files,
    draft_id,
    post_error,
    post_ok,
    zip_bytes,
)
from tests.render.draftkit import Draft
from tests.render.helpers import rgb_frames
from tests.render.test_app_drafts import app_caption
from tests.zoo import media as zoo_media

SEC = 1_000_000
CALIBRATION = Path(__file__).resolve().parents[3] / "shared" / "calibration" / "capcut_7.9_text_and_photo"
needs_calibration = pytest.mark.skipif(not CALIBRATION.is_dir(), reason="shared/calibration not present")
PLACEHOLDER = "##_draftpath_placeholder_"


def folder_entries(folder: Path, top: str) -> dict[str, bytes | Path]:
    return {f"{top}{p.relative_to(folder).as_posix()}": p for p in sorted(folder.rglob("*")) if p.is_file()}


def upload(api: httpx.Client, data: bytes) -> httpx.Response:
    return api.post(f"{V1}/import_draft", files={"file": ("draft.zip", data, "application/zip")})


def imported(api: httpx.Client, data: bytes) -> dict[str, Any]:
    response = upload(api, data)
    assert response.status_code == 200, response.text
    return response.json()


def upload_error(api: httpx.Client, data: bytes, status: int, code: str) -> str:
    response = upload(api, data)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"], error
    return error["details"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_of(settings: Settings, url: str) -> Path:
    return settings.data_dir / "drafts" / draft_id(url)


def local(settings: Settings, url: str, material_path: str) -> Path:
    assert material_path.startswith(PLACEHOLDER), material_path
    return folder_of(settings, url) / material_path.split("_##/", 1)[1]


def no_drafts_and_no_scratch(settings: Settings) -> bool:
    drafts = settings.data_dir / "drafts"
    return not (drafts.is_dir() and any(drafts.iterdir())) and not any((settings.data_dir / "tmp").iterdir())


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Short media on loopback: 1 s and 0.5 s clips, a blue photo, a 1 s tone, a silent clip."""
    folder = tmp_path_factory.mktemp("clips")
    mediagen.color_video(folder / "one.mp4", "green", duration=1.0)
    mediagen.color_video(folder / "half.mp4", "yellow", duration=0.5)
    mediagen.color_video(folder / "mute.mp4", "white", duration=1.0, tone_hz=None)
    mediagen.image(folder / "blue.png", (0, 0, 255), size=(200, 100))
    mediagen.tone(folder / "beep.mp3", duration=1.0)
    with servers.media_server(folder) as base:
        yield base


def app_draft(media_dir: Path) -> tuple[Draft, dict[str, bytes | Path]]:
    """A draft shaped like the app's, with its authors' absolute paths, and a zip's entries holding its media:
    one by its path's tail under the draft folder, one by name in the folder, one by name outside it."""
    draft = Draft()
    video = draft.track("video")
    draft.video(video, "C:\\Users\\me\\Videos\\red.mp4", 0, SEC)
    draft.video(video, "D:/pics/red.png", SEC, SEC, photo=True)
    draft.audio(draft.track("audio"), "/Users/me/Music/tone.mp3", 0, 2 * SEC)
    app_caption(draft, 0, 2 * SEC)
    entries: dict[str, bytes | Path] = {
        "My Draft/draft_content.json": json.dumps(draft.doc).encode(),
        "My Draft/Users/me/Music/tone.mp3": media_dir / "tone.mp3",
        "My Draft/Resources/red.mp4": media_dir / "red.mp4",
        "elsewhere/red.png": media_dir / "red.png",
        "__MACOSX/My Draft/._red.mp4": b"\0\5\26\7",
    }
    return draft, entries


# -- import_draft ----------------------------------------------------------------------------------------


def test_an_app_draft_imports_with_its_media_rehomed(
    api: httpx.Client, settings: Settings, media_dir: Path, media_url: str
) -> None:
    _, entries = app_draft(media_dir)
    body = imported(api, zip_bytes(entries))
    assert body["missing_materials"] == [] and body["content_file"] == "draft_content.json"
    assert sorted(name.split("/")[1] for name in body["stored_files"]) == ["audios", "images", "videos"]
    url = body["draft_url"]
    doc = content_of(settings.data_dir, url)
    videos, audios = doc["materials"]["videos"], doc["materials"]["audios"]
    assert [m["material_name"] for m in videos] == ["red.mp4", "red.png"]
    for material, source in zip([*videos, *audios], ["red.mp4", "red.png", "tone.mp3"], strict=True):
        assert sha(local(settings, url, material["path"])) == sha(media_dir / source)
    folder = folder_of(settings, url)
    assert (folder / "draft_info.json").read_bytes() == (folder / "draft_content.json").read_bytes()
    meta = json.loads((folder / "draft_meta_info.json").read_text("utf-8"))
    assert meta["draft_name"] == draft_id(url) and meta["tm_duration"] == 2 * SEC

    # Every add_* works on it, and pyJianYingDraft still reads it.
    post_ok(api, "add_captions", {"draft_url": url, "captions": captions("added")})
    post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(
        [{"video_url": f"{media_url}/blue.mp4", "start": 0, "end": SEC}])})  # fmt: skip
    listing = post_ok(api, "list_segments", {"draft_url": url})
    assert [t["type"] for t in listing["tracks"]] == ["video", "audio", "text", "text", "video"]
    script = pyJianYingDraft.DraftFolder(str(folder.parent)).load_template(folder.name)
    assert len(script.imported_tracks) == 5


def test_an_animated_webp_sticker_is_imported_as_the_clip_add_images_makes(
    api: httpx.Client, settings: Settings, tmp_path: Path
) -> None:
    """The app keeps an animated WebP as a photo; imported as it is, nothing could play it. It becomes the
    ProRes 4444 clip add_images makes of one (alpha and timing kept) and the material points at it."""
    sticker = zoo_media.webp_sticker(tmp_path / "sticker.webp")
    green = mediagen.image(tmp_path / "green.png", (0, 160, 0))
    draft = Draft()
    draft.video(draft.track("video"), "C:/Users/me/Pictures/green.png", 0, SEC, photo=True)
    draft.video(draft.track("video"), "C:/Users/me/Stickers/sticker.webp", 0, SEC, photo=True, size=(96, 96))
    draft.doc["duration"] = SEC
    body = imported(api, zip_bytes({"Stickers/draft_content.json": json.dumps(draft.doc).encode(),
                                    "Stickers/sticker.webp": sticker, "Stickers/green.png": green}))  # fmt: skip
    assert body["missing_materials"] == [], body
    url = body["draft_url"]
    doc = content_of(settings.data_dir, url)
    material = doc["materials"]["videos"][1]
    assert (material["type"], material["duration"], material["width"], material["height"]) == (
        "video", 1_200_000, 96, 96), material  # fmt: skip
    stored = local(settings, url, material["path"])
    assert stored.suffix == ".mov" and stored.parent.name == "videos", stored
    assert render_probe(stored).has_alpha

    report = render_draft(doc, DraftMediaResolver(folder_of(settings, url)), tmp_path / "out.mp4",
                          RenderOptions(preset="ultrafast", work_dir=tmp_path / "work"))  # fmt: skip
    frames = rgb_frames(tmp_path / "out.mp4")
    first, later = frames[3], frames[27]  # 0.1 s: source frame 0 (x 0..31); 0.9 s: frame 4 (x 51..82)

    def near(pixel: Any, rgb: tuple[int, int, int]) -> bool:
        return bool(max(abs(int(a) - b) for a, b in zip(pixel, rgb, strict=True)) <= 40)

    magenta, green_rgb = (255, 0, 255), (0, 160, 0)  # drawn 240x240 at x 40..280: 2.5 px a sticker pixel
    assert near(first[120, 80], magenta) and near(first[120, 250], green_rgb), (first[120, 80], first[120, 250])
    assert near(later[120, 200], magenta) and near(later[120, 80], green_rgb), (later[120, 200], later[120, 80])
    assert report.warnings == [], report.warnings


def test_media_the_zip_lacks_are_listed_and_can_be_replaced(
    api: httpx.Client, settings: Settings, media_dir: Path, media_url: str
) -> None:
    draft, _ = app_draft(media_dir)
    body = imported(api, zip_bytes({"draft_content.json": json.dumps(draft.doc).encode()}))
    missing = body["missing_materials"]
    assert [(m["type"], m["name"], m["path"]) for m in missing] == [
        ("video", "red.mp4", "C:\\Users\\me\\Videos\\red.mp4"),
        ("photo", "red.png", "D:/pics/red.png"),
        ("audio", "tone.mp3", "/Users/me/Music/tone.mp3"),
    ]
    url = body["draft_url"]
    assert body["stored_files"] == [] and list(folder_of(settings, url).rglob("assets/*")) == []
    for name in ("red.mp4", "red.png", "tone.mp3"):
        post_ok(api, "replace_material", {"draft_url": url, "material_name": name, "url": f"{media_url}/{name}"})
    doc = content_of(settings.data_dir, url)
    assert all(
        local(settings, url, m["path"]).is_file() for m in doc["materials"]["videos"] + doc["materials"]["audios"]
    )


def test_our_own_zip_imports_as_a_copy(api: httpx.Client, settings: Settings, media_url: str) -> None:
    url = create_draft(api)
    post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(
        [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": SEC}])})  # fmt: skip
    post_ok(api, "add_captions", {"draft_url": url, "captions": captions("one", "two")})
    zipped = api.get(post_ok_get(api, url)["zip_url"]).content
    copy = imported(api, zipped)
    assert copy["missing_materials"] == [] and copy["draft_id"] != draft_id(url)

    def shape(listing: dict[str, Any]) -> list[Any]:
        return [[(s["start"], s["duration"], s["kind"], s["text"]) for s in t["segments"]] for t in listing["tracks"]]

    original = post_ok(api, "list_segments", {"draft_url": url})
    assert shape(post_ok(api, "list_segments", {"draft_url": copy["draft_url"]})) == shape(original)


def post_ok_get(api: httpx.Client, url: str) -> dict[str, Any]:
    response = api.get(f"{V1}/get_draft", params={"draft_id": draft_id(url)})
    assert response.status_code == 200, response.text
    return response.json()


def test_import_by_url_uses_the_media_url_policy(
    api: httpx.Client, settings: Settings, media_dir: Path, tmp_path: Path
) -> None:
    _, entries = app_draft(media_dir)
    (tmp_path / "draft.zip").write_bytes(zip_bytes(entries))
    (tmp_path / "page.zip").write_text("<html>not a zip</html>")
    with servers.media_server(tmp_path) as base:
        body = post_ok(api, "import_draft", {"zip_url": f"{base}/draft.zip"})
        assert body["missing_materials"] == [] and len(body["stored_files"]) == 3
        assert "readable zip" in post_error(api, "import_draft", {"zip_url": f"{base}/page.zip"}, 422, "ZIP_INVALID")
        post_error(api, "import_draft", {"zip_url": f"{base}/none.zip"}, 422, "MEDIA_DOWNLOAD_FAILED")
        strict = Settings(data_dir=tmp_path / "strict")
        with servers.in_process(strict) as closed:
            post_error(closed, "import_draft", {"zip_url": f"{base}/draft.zip"}, 400, "MEDIA_URL_FORBIDDEN")
        small = Settings(data_dir=tmp_path / "small", allow_private_urls=True, max_import_bytes=1000)
        with servers.in_process(small) as capped:
            details = post_error(capped, "import_draft", {"zip_url": f"{base}/draft.zip"}, 413, "ZIP_TOO_LARGE")
            assert "CAPCUT_MATE_MAX_IMPORT_BYTES" in details
            too_big = upload(capped, zip_bytes(entries))
            assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "REQUEST_TOO_LARGE"
            assert no_drafts_and_no_scratch(small)
    post_error(api, "import_draft", {}, 400, "VALIDATION_ERROR")
    post_error(api, "import_draft", "{not json", 400, "VALIDATION_ERROR")
    assert api.post(f"{V1}/import_draft", content=b"PK", headers={"content-type": "application/zip"}).status_code == 400
    assert [p.name for p in (settings.data_dir / "drafts").iterdir()] == [body["draft_id"]]
    assert not any(settings.tmp_dir.iterdir())


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("draft_content.json", json.dumps(Draft().doc))
        link = zipfile.ZipInfo("assets/link.mp4")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def password_zip() -> bytes:
    """A zip whose entry says it is encrypted (bit 0 of its flags, in its local and central headers)."""
    data = bytearray(zip_bytes({"draft_content.json": json.dumps(Draft().doc).encode()}))
    data[6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    return bytes(data)


DOC = json.dumps(Draft().doc).encode()


def damaged_zip() -> bytes:
    """A zip whose content entry was damaged after it was written (its CRC no longer matches)."""
    data = bytearray(zip_bytes({"draft_content.json": DOC}))
    data[30 + len("draft_content.json") + 5] ^= 0xFF  # inside the compressed data, past the local header
    return bytes(data)


BAD_SEGMENT = {"id": "s", "material_id": "m", "target_timerange": {"start": -1, "duration": 5}}
BAD_START = json.dumps({**Draft().doc, "tracks": [{"type": "video", "segments": [BAD_SEGMENT]}]}).encode()


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        (zip_bytes({"draft_content.json": DOC, "../evil.txt": b"x"}), "ZIP_UNSAFE", "outside"),
        (zip_bytes({"draft_content.json": DOC, "/etc/cron.d/x": b"x"}), "ZIP_UNSAFE", "outside"),
        (zip_bytes({"draft_content.json": DOC, "C:/Windows/x.dll": b"x"}), "ZIP_UNSAFE", "outside"),
        (zip_bytes({"draft_content.json": DOC, "a\\..\\..\\x": b"x"}), "ZIP_UNSAFE", "outside"),
        (symlink_zip(), "ZIP_UNSAFE", "symbolic link"),
        (password_zip(), "ZIP_INVALID", "password"),
        (b"PK\x03\x04 but no zip at all", "ZIP_INVALID", "not a readable zip"),
        (damaged_zip(), "ZIP_INVALID", "cannot be unpacked"),
        (zip_bytes({"readme.txt": b"hi"}), "DRAFT_INVALID", "no draft_content.json"),
        (zip_bytes({"deep/er/draft_content.json": DOC}), "DRAFT_INVALID", "no draft_content.json"),
        (zip_bytes({"a/draft_content.json": DOC, "b/draft_info.json": DOC}), "DRAFT_INVALID", "2 draft folders"),
        (zip_bytes({"draft_content.json": os.urandom(2000)}), "DRAFT_ENCRYPTED", "encrypt"),
        (zip_bytes({"draft_info.json": b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="}), "DRAFT_ENCRYPTED", "draft_info.json"),
        (zip_bytes({"draft_content.json": b'{"tracks": ['}), "DRAFT_INVALID", "not valid JSON"),
        (zip_bytes({"draft_content.json": b'{"a": 1}'}), "DRAFT_INVALID", "canvas_config"),
        (zip_bytes({"draft_content.json": BAD_START}), "DRAFT_INVALID", "tracks.0.segments.0.target_timerange.start"),
    ],
)
def test_unsafe_or_unusable_zips_are_refused(
    api: httpx.Client, settings: Settings, data: bytes, code: str, says: str
) -> None:
    assert says in upload_error(api, data, 422, code)
    assert no_drafts_and_no_scratch(settings)


def test_encrypted_drafts_say_what_to_do(api: httpx.Client) -> None:
    response = api.post(
        f"{V1}/import_draft",
        files={"file": ("d.zip", zip_bytes({"x/draft_content.json": os.urandom(500)}), "application/zip")},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "DRAFT_ENCRYPTED" and "encrypted" in error["message"] and "CapCut" in error["message"]
    assert "JianYing 6" in error["details"] and "create_draft" in error["details"]


def test_zip_bombs_are_stopped_by_the_caps(api: httpx.Client, settings: Settings, tmp_path: Path) -> None:
    capped = Settings(data_dir=tmp_path / "capped", max_import_entries=5, max_import_unzipped_bytes=200_000)
    many = zip_bytes({"draft_content.json": DOC, **{f"f{i}.txt": b"x" for i in range(5)}})
    bomb = zip_bytes({"draft_content.json": DOC, "zeros.bin": bytes(5_000_000)})
    assert len(bomb) < 50_000
    with servers.in_process(capped) as client:
        assert "6 entries" in upload_error(client, many, 413, "ZIP_TOO_LARGE")
        assert "CAPCUT_MATE_MAX_IMPORT_UNZIPPED_BYTES" in upload_error(client, bomb, 413, "ZIP_TOO_LARGE")
    assert no_drafts_and_no_scratch(capped)


@needs_calibration
def test_the_calibration_draft_imports_with_its_fonts(api: httpx.Client, settings: Settings) -> None:
    body = imported(api, zip_bytes(folder_entries(CALIBRATION, "BASE_TEMPLATE/")))
    assert body["missing_materials"] == [] and body["missing_fonts"] == []
    # Its fonts are stored as add_font stores one (by content, with their names), and the texts point at them.
    folder = folder_of(settings, body["draft_url"])
    records = [
        json.loads((folder / name).read_text("utf-8")) for name in body["stored_files"] if name.endswith(".json")
    ]
    assert sorted(record["family"] for record in records) == ["KFGQPC Uthman Taha Naskh", "Poppins"]
    for text in content_of(settings.data_dir, body["draft_url"])["materials"]["texts"]:
        style_font = json.loads(text["content"])["styles"][0]["font"]["path"]
        assert style_font == text["font_path"] and style_font in [r["path"] for r in records]
        assert local(settings, body["draft_url"], style_font).is_file()
    listing = post_ok(api, "list_segments", {"draft_url": body["draft_url"]})
    assert (listing["width"], listing["height"], listing["duration"]) == (1920, 1013, 6_100_000)
    kinds = [[(s["kind"], s["material_name"]) for s in t["segments"]] for t in listing["tracks"]]
    assert kinds == [[("photo", "BG.png")], [("text", None)], [("text", None)], [("audio", "001.mp3")]]
    texts = [s["text"] for t in listing["tracks"] for s in t["segments"] if s["text"]]
    assert texts[1] == "Mehribon va rahmli \nAllohning nomi bilan boshlayman"

    # The app's own text styles survive a rewrite: colour, size and the font file the import brought along.
    arabic = listing["tracks"][1]["segments"][0]["id"]
    post_ok(api, "replace_text", {"draft_url": body["draft_url"], "segment_id": arabic, "text": "الحمد لله"})
    post_ok(api, "replace_text", {"draft_url": body["draft_url"], "match": "Allohning", "text": "Xudoning"})
    texts = content_of(settings.data_dir, body["draft_url"])["materials"]["texts"]
    contents = [json.loads(material["content"]) for material in texts]
    assert [c["text"] for c in contents] == ["الحمد لله", "Mehribon va rahmli \nXudoning nomi bilan boshlayman"]
    (gold,), (white,) = (c["styles"] for c in contents)
    assert gold["range"] == [0, 9] and gold["size"] == 14 and gold["font"]["path"].startswith(PLACEHOLDER)
    assert gold["fill"]["content"]["solid"]["color"][1] == pytest.approx(0.749, abs=1e-3)
    assert white["range"] == [0, 50] and white["font"]["id"] == "7202912523383738881"

    # The imported fonts are the draft's fonts: add_captions takes them by family name, as after add_font.
    added = post_ok(api, "add_captions", {"draft_url": body["draft_url"], "captions": captions("more"),
                                          "font": "Poppins"})  # fmt: skip
    assert not added.get("warnings"), added


# -- list_segments ---------------------------------------------------------------------------------------


def test_list_segments_reports_what_was_added(api: httpx.Client, media_url: str) -> None:
    url = create_draft(api)
    post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps([
        {"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_234_567},
        {"video_url": f"{media_url}/counter.mp4", "start": 1_234_567, "end": 2 * SEC}])})  # fmt: skip
    post_ok(api, "add_audios", {"draft_url": url, "audio_infos": json.dumps(
        [{"audio_url": f"{media_url}/tone.mp3", "start": 500_000, "end": 2 * SEC, "volume": 0.5}])})  # fmt: skip
    post_ok(api, "add_captions", {"draft_url": url, "captions": captions("你好", "world")})
    listing = post_ok(api, "list_segments", {"draft_url": url})
    assert listing["duration"] == 2 * SEC and listing["draft_url"] == url
    video, audio, text = listing["tracks"]
    assert [(s["start"], s["end"], s["kind"], s["material_name"]) for s in video["segments"]] == [
        (0, 1_234_567, "video", "red.mp4"),
        (1_234_567, 2 * SEC, "video", "counter.mp4"),
    ]
    assert video["segments"][0]["source_duration"] == 1_234_567
    assert [(s["kind"], s["volume"], s["source_start"]) for s in audio["segments"]] == [("audio", 0.5, 0)]
    assert [s["text"] for s in text["segments"]] == ["你好", "world"]
    post_error(api, "list_segments", {"draft_url": url.replace("draft_id=2", "draft_id=1")}, 404, "DRAFT_NOT_FOUND")


# -- replace_material ------------------------------------------------------------------------------------


def slotted(api: httpx.Client, media_url: str, length: int = 2 * SEC) -> tuple[str, dict[str, Any]]:
    """A draft with one 2 s red.mp4 segment and a 2 s tone; returns the url and its video segment."""
    url = create_draft(api)
    post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(
        [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": length}])})  # fmt: skip
    post_ok(api, "add_audios", {"draft_url": url, "audio_infos": json.dumps(
        [{"audio_url": f"{media_url}/tone.mp3", "start": 0, "end": length}])})  # fmt: skip
    return url, post_ok(api, "list_segments", {"draft_url": url})["tracks"][0]["segments"][0]


def test_failed_replacements_leave_the_draft_byte_identical(
    api: httpx.Client, settings: Settings, media_url: str, clips: str
) -> None:
    url, segment = slotted(api, media_url)
    before = draft_files(settings, url)
    replace = {"draft_url": url, "material_id": segment["material_id"]}
    details = post_error(api, "replace_material", {**replace, "url": f"{clips}/one.mp4"}, 400, "MEDIA_TOO_SHORT")
    assert "lasts 1.0" in details and "at least 2.000 s" in details and "fit" in details
    post_error(api, "replace_material", {**replace, "url": f"{clips}/beep.mp3"}, 422, "UNSUPPORTED_MEDIA")
    post_error(api, "replace_material", {**replace, "url": f"{clips}/none.mp4"}, 422, "MEDIA_DOWNLOAD_FAILED")
    post_error(api, "replace_material", {**replace, "material_id": "nope", "url": f"{clips}/one.mp4"}, 404,
               "MATERIAL_NOT_FOUND")  # fmt: skip
    post_error(api, "replace_material", {"draft_url": url, "material_name": "tone.mp3", "url": f"{clips}/blue.png"},
               422, "UNSUPPORTED_MEDIA")  # fmt: skip
    post_error(api, "replace_material", {"draft_url": url, "material_name": "tone.mp3", "url": f"{clips}/mute.mp4"},
               422, "UNSUPPORTED_MEDIA")  # fmt: skip
    post_error(api, "replace_material", {**replace, "url": f"{clips}/one.mp4", "fit": "stretch"}, 400,
               "VALIDATION_ERROR")  # fmt: skip
    post_error(api, "replace_material", {"draft_url": url, "url": f"{clips}/one.mp4"}, 400, "VALIDATION_ERROR")
    slow = {**replace, "url": f"{clips}/half.mp4", "fit": "speed"}
    post_ok(api, "add_images", {"draft_url": url, "image_infos": json.dumps(
        [{"image_url": f"{media_url}/red.png", "start": 2 * SEC, "end": 8 * SEC}])})  # fmt: skip
    before = draft_files(settings, url)
    listing = post_ok(api, "list_segments", {"draft_url": url})
    long_slot = {**slow, "material_id": listing["tracks"][2]["segments"][0]["material_id"]}
    assert "0.1x" in post_error(api, "replace_material", long_slot, 400, "MEDIA_TOO_SHORT")
    assert draft_files(settings, url) == before


def test_a_photo_takes_the_place_of_a_video_and_keeps_its_timing(
    api: httpx.Client, settings: Settings, media_url: str, clips: str
) -> None:
    url, segment = slotted(api, media_url)
    body = post_ok(api, "replace_material", {"draft_url": url, "material_name": "RED.MP4", "url": f"{clips}/blue.png"})
    assert body["material_ids"] == [segment["material_id"]] and body["segment_ids"] == [segment["id"]]
    doc = content_of(settings.data_dir, url)
    (material,) = doc["materials"]["videos"]
    assert (material["type"], material["material_name"], material["width"], material["height"]) == (
        "photo", "blue.png", 200, 100)  # fmt: skip
    assert material["id"] == segment["material_id"] and material["crop"]["lower_right_x"] == 1.0
    (after,) = post_ok(api, "list_segments", {"draft_url": url})["tracks"][0]["segments"]
    assert (after["start"], after["duration"], after["kind"]) == (0, 2 * SEC, "photo")
    assert (after["source_start"], after["source_duration"], after["speed"]) == (0, 2 * SEC, 1.0)


@pytest.mark.parametrize("fit", ["loop", "freeze"])
def test_loop_and_freeze_store_media_as_long_as_the_slot(
    api: httpx.Client, settings: Settings, media_url: str, clips: str, fit: str
) -> None:
    url, segment = slotted(api, media_url)
    video = post_ok(api, "replace_material", {"draft_url": url, "material_id": segment["material_id"],
                                              "url": f"{clips}/half.mp4", "fit": fit})  # fmt: skip
    audio = post_ok(api, "replace_material", {"draft_url": url, "material_name": "tone.mp3",
                                              "url": f"{clips}/beep.mp3", "fit": fit})  # fmt: skip
    assert video["duration"] >= 2 * SEC and audio["duration"] >= 2 * SEC and video["speeds"] == {}
    doc = content_of(settings.data_dir, url)
    (clip,), (sound,) = doc["materials"]["videos"], doc["materials"]["audios"]
    clip_info = probe(local(settings, url, clip["path"]))
    assert clip_info.kind == "video" and clip_info.has_audio and clip_info.duration_us >= 2 * SEC
    assert clip["duration"] == clip_info.duration_us and clip["material_name"] == "half.mp4"
    sound_info = probe(local(settings, url, sound["path"]))
    assert sound_info.kind == "audio" and sound_info.duration_us >= 2 * SEC and sound["name"] == "beep.mp3"
    for track in doc["tracks"]:
        (seg,) = track["segments"]
        assert seg["target_timerange"] == {"start": 0, "duration": 2 * SEC}
        assert seg["source_timerange"] == {"start": 0, "duration": 2 * SEC}


def test_speed_slows_the_segment_until_the_clip_fills_it(
    api: httpx.Client, settings: Settings, media_url: str, clips: str
) -> None:
    url, segment = slotted(api, media_url)
    body = post_ok(api, "replace_material", {"draft_url": url, "material_id": segment["material_id"],
                                             "url": f"{clips}/one.mp4", "fit": "speed"})  # fmt: skip
    speed = body["speeds"][segment["id"]]
    assert speed == pytest.approx(body["duration"] / (2 * SEC))
    doc = content_of(settings.data_dir, url)
    seg = doc["tracks"][0]["segments"][0]
    speeds = [m for m in doc["materials"]["speeds"] if m["id"] in seg["extra_material_refs"]]
    assert [m["speed"] for m in speeds] == [seg["speed"]] == [speed]
    assert seg["source_timerange"] == {"start": 0, "duration": body["duration"]}
    assert seg["target_timerange"] == {"start": 0, "duration": 2 * SEC}


# -- replace_text ----------------------------------------------------------------------------------------


def styled_draft(api: httpx.Client) -> tuple[str, dict[str, Any]]:
    """An imported app draft whose caption has three style ranges (white, purple, white)."""
    draft = Draft()
    app_caption(draft, 0, SEC)
    body = imported(api, zip_bytes({"draft_content.json": json.dumps(draft.doc).encode()}))
    return body["draft_url"], draft.doc["tracks"][0]["segments"][0]


def caption_content(settings: Settings, url: str) -> dict[str, Any]:
    (material,) = content_of(settings.data_dir, url)["materials"]["texts"]
    return json.loads(material["content"])


def colours(content: dict[str, Any]) -> list[tuple[str, list[int]]]:
    """(the words, their colour) for each style range."""
    return [
        (content["text"][s["range"][0] : s["range"][1]], s["fill"]["content"]["solid"]["color"])
        for s in content["styles"]
    ]


def test_words_replaced_in_a_multi_style_caption_keep_their_styles(api: httpx.Client, settings: Settings) -> None:
    url, _ = styled_draft(api)
    white, purple = [1.0, 1.0, 1.0], [0.6, 0.2, 0.9]
    body = post_ok(api, "replace_text", {"draft_url": url, "match": "EYES", "text": "HANDS"})
    assert body["replacements"] == 1
    post_ok(api, "replace_text", {"draft_url": url, "match": "WATCHING", "text": "LOOKING AT"})
    post_ok(api, "replace_text", {"draft_url": url, "match": "ME.", "text": "YOU 🎉"})
    assert colours(caption_content(settings, url)) == [
        ("THE HANDS ", white), ("ARE LOOKING AT", purple), (" YOU 🎉", white)]  # fmt: skip


def test_a_whole_text_takes_the_style_of_its_first_character(api: httpx.Client, settings: Settings) -> None:
    url, segment = styled_draft(api)
    post_ok(api, "replace_text", {"draft_url": url, "segment_id": segment["id"], "text": "Brand new"})
    content = caption_content(settings, url)
    assert colours(content) == [("Brand new", [1.0, 1.0, 1.0])] and content["styles"][0]["size"] == 7.0


def test_match_replaces_every_segment_that_has_the_words(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)
    post_ok(api, "add_captions", {"draft_url": url, "captions": captions("Hi NAME", "NAME and NAME", "other")})
    body = post_ok(api, "replace_text", {"draft_url": url, "match": "NAME", "text": "Zoë"})
    listing = post_ok(api, "list_segments", {"draft_url": url})
    (track,) = listing["tracks"]
    assert body["segment_ids"] == [s["id"] for s in track["segments"][:2]] and body["replacements"] == 3
    assert [s["text"] for s in track["segments"]] == ["Hi Zoë", "Zoë and Zoë", "other"]
    for material in content_of(settings.data_dir, url)["materials"]["texts"]:
        content = json.loads(material["content"])
        assert content["styles"][0]["range"] == [0, len(content["text"])]


def test_failed_text_replacements_leave_the_draft_byte_identical(
    api: httpx.Client, settings: Settings, media_url: str
) -> None:
    url = create_draft(api)
    post_ok(api, "add_captions", {"draft_url": url, "captions": captions("Hello")})
    post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(
        [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": SEC}])})  # fmt: skip
    video_segment = post_ok(api, "list_segments", {"draft_url": url})["tracks"][1]["segments"][0]["id"]
    before = draft_files(settings, url)
    post_error(api, "replace_text", {"draft_url": url, "segment_id": "nope", "text": "x"}, 404, "SEGMENT_NOT_FOUND")
    assert "not a text" in post_error(api, "replace_text", {"draft_url": url, "segment_id": video_segment,
                                                            "text": "x"}, 400, "VALIDATION_ERROR")  # fmt: skip
    post_error(api, "replace_text", {"draft_url": url, "match": "absent", "text": "x"}, 404, "SEGMENT_NOT_FOUND")
    post_error(api, "replace_text", {"draft_url": url, "match": "Hello", "text": "   "}, 400, "VALIDATION_ERROR")
    post_error(api, "replace_text", {"draft_url": url, "match": "", "text": "x"}, 400, "VALIDATION_ERROR")
    post_error(api, "replace_text", {"draft_url": url, "text": "x"}, 400, "VALIDATION_ERROR")
    assert draft_files(settings, url) == before


def test_pyjianyingdraft_captions_take_any_text(
    api: httpx.Client, settings: Settings, media_dir: Path, tmp_path: Path
) -> None:
    """A draft written by pyJianYingDraft (its media at an absolute path of this machine, the file shipped in
    the zip), imported, its caption rewritten with arbitrary text: the text is what was sent, one style covers
    it (in code points, as pyJianYingDraft counts), and pyJianYingDraft reads the draft back."""
    jy = pyJianYingDraft
    script = jy.DraftFolder(str(tmp_path)).create_draft("made", 320, 240)
    script.add_segment(jy.VideoSegment(str(media_dir / "red.mp4"), jy.trange("0s", "1s")),
                       script.append_track(jy.TrackSpec(jy.TrackType.video)))  # fmt: skip
    style = jy.TextStyle(size=9.0, color=(1.0, 0.5, 0.0))
    script.add_segment(jy.TextSegment("Hello NAME", jy.trange("0s", "1s"), style=style),
                       script.append_track(jy.TrackSpec(jy.TrackType.text)))  # fmt: skip
    script.save()
    entries = {**folder_entries(tmp_path / "made", "made/"), "made/media/red.mp4": media_dir / "red.mp4"}
    body = imported(api, zip_bytes(entries))
    assert body["missing_materials"] == [] and len(body["stored_files"]) == 1
    url = body["draft_url"]
    segment_id = post_ok(api, "list_segments", {"draft_url": url})["tracks"][1]["segments"][0]["id"]

    @hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(str.strip))
    def rewrite(text: str) -> None:
        post_ok(api, "replace_text", {"draft_url": url, "segment_id": segment_id, "text": text})
        content = caption_content(settings, url)
        assert content["text"] == text
        assert [s["range"] for s in content["styles"]] == [[0, len(text)]]
        assert content["styles"][0]["fill"]["content"]["solid"]["color"] == [1.0, 0.5, 0.0]
        assert content["styles"][0]["size"] == 9.0

    rewrite()
    folder = folder_of(settings, url)
    reread = jy.DraftFolder(str(folder.parent)).load_template(folder.name)
    assert [t.track_type.name for t in reread.imported_tracks] == ["video", "text"]


def test_paths_outside_the_draft_folder_are_never_read(
    api: httpx.Client, settings: Settings, media_dir: Path, media_url: str
) -> None:
    """An imported draft may name any path: a file of this server, or another draft's media behind `..`. Both
    are missing media (listed at import, MEDIA_MISSING when drawn), never read into someone's video."""
    other = create_draft(api)
    post_ok(api, "add_videos", {"draft_url": other, "video_infos": json.dumps(
        [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": SEC}])})  # fmt: skip
    (theirs,) = content_of(settings.data_dir, other)["materials"]["videos"]
    sneaky = theirs["path"].replace("_##/", f"_##/../{draft_id(other)}/", 1)
    draft = Draft()
    track = draft.track("video")
    draft.video(track, media_dir / "red.mp4", 0, SEC)
    draft.video(track, sneaky, SEC, SEC)
    body = imported(api, zip_bytes({"draft_content.json": json.dumps(draft.doc).encode()}))
    assert [m["path"] for m in body["missing_materials"]] == [str(media_dir / "red.mp4"), sneaky]
    for at in (500_000, 1_500_000):
        response = api.post(f"{V1}/gen_preview", json={"draft_url": body["draft_url"], "time": at})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "MEDIA_MISSING", response.text


def test_nulls_and_odd_values_in_an_imported_draft_are_read_not_fatal(api: httpx.Client, settings: Settings) -> None:
    """The app writes null where a number could be, and drafts come from many tools: listing and replacing
    read what makes sense and never answer a 500."""
    draft = Draft()
    caption = draft.text(draft.track("text"), "odd one", 0, SEC, speed=None, volume=None, render_index="top")
    (material,) = draft.doc["materials"]["texts"]
    material["content"] = json.dumps({"text": "odd one", "styles": [{"range": ["a", None], "size": 6.0}]})
    draft.doc.update(fps=None, platform="?", last_modified_platform=["cc"])
    body = imported(api, zip_bytes({"draft_content.json": json.dumps(draft.doc).encode()}))
    listing = post_ok(api, "list_segments", {"draft_url": body["draft_url"]})
    (segment,) = listing["tracks"][0]["segments"]
    assert (segment["speed"], segment["volume"], segment["render_index"], listing["fps"]) == (1.0, 1.0, 0, 30.0)
    post_ok(api, "replace_text", {"draft_url": body["draft_url"], "segment_id": caption["id"], "text": "even"})
    assert caption_content(settings, body["draft_url"])["styles"] == [{"range": [0, 4], "size": 6.0}]


def test_fonts_the_zip_lacks_or_that_are_no_fonts_are_reported(api: httpx.Client, settings: Settings) -> None:
    draft = Draft()
    track = draft.track("text")
    for name in ("Gone.ttf", "Fake.otf"):
        draft.text(track, name, 0 if name == "Gone.ttf" else SEC, SEC)
        content = json.loads(draft.doc["materials"]["texts"][-1]["content"])
        content["styles"][0]["font"] = {"id": "", "path": f"C:/Windows/Fonts/{name}"}
        draft.doc["materials"]["texts"][-1]["content"] = json.dumps(content)
    body = imported(api, zip_bytes({"draft_content.json": json.dumps(draft.doc).encode(), "Fake.otf": b"OTTO junk"}))
    assert body["missing_fonts"][0] == "Gone.ttf" and body["missing_fonts"][1].startswith("Fake.otf (")
    assert body["stored_files"] == []
    paths = [json.loads(m["content"])["styles"][0]["font"]["path"] for m in content_of(settings.data_dir,
             body["draft_url"])["materials"]["texts"]]  # fmt: skip
    assert paths == ["C:/Windows/Fonts/Gone.ttf", "C:/Windows/Fonts/Fake.otf"]
