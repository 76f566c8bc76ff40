"""The draft-building API over real HTTP: drafts, media, captions, files, and what the app format holds."""

from __future__ import annotations

import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx
import pyJianYingDraft
import pytest

from capcut_mate.config import Settings
from tests.api.helpers import V1, captions, content_of, create_draft, draft_id, post_error, post_ok


def build_full_draft(api: httpx.Client, media_url: str) -> str:
    """A draft with a video, an image, music and two captions (one with a keyword)."""
    url = create_draft(api)
    post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(
        [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_500_000, "volume": 0.5}])})  # fmt: skip
    post_ok(api, "add_images", {"draft_url": url, "image_infos": json.dumps(
        [{"image_url": f"{media_url}/red.png", "start": 1_500_000, "end": 3_000_000}]), "transform_x": 80})  # fmt: skip
    post_ok(api, "add_audios", {"draft_url": url, "audio_infos": json.dumps(
        [{"audio_url": f"{media_url}/tone.mp3", "start": 0, "end": 3_000_000, "volume": 0.6}])})  # fmt: skip
    body = {"draft_url": url, "captions": json.dumps([
        {"text": "你好，世界", "start": 0, "end": 1_000_000, "keyword": "世界"},
        {"text": "second line", "start": 1_000_000, "end": 2_000_000},
    ]), "text_color": "#ffff00", "border_color": "#000000", "font_size": 12}  # fmt: skip
    post_ok(api, "add_captions", body)
    return url


def test_create_draft_defaults_and_canvas(api: httpx.Client, settings: Settings) -> None:
    body = api.post(f"{V1}/create_draft", json={}).json()
    assert body["code"] == 0
    doc = content_of(settings.data_dir, body["draft_url"])
    assert doc["canvas_config"]["width"] == 1920 and doc["canvas_config"]["height"] == 1080
    assert len(draft_id(body["draft_url"])) == 30
    assert body["draft_url"].startswith(str(api.base_url).rstrip("/") + f"{V1}/get_draft?draft_id=")


def test_full_draft_is_the_app_format(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = build_full_draft(api, media_url)
    folder = settings.data_dir / "drafts" / draft_id(url)
    content = (folder / "draft_content.json").read_text("utf-8")
    assert (folder / "draft_info.json").read_text("utf-8") == content
    meta = json.loads((folder / "draft_meta_info.json").read_text("utf-8"))
    assert meta["draft_name"] == draft_id(url) and meta["tm_duration"] == 3_000_000

    # An independent parser (pyJianYingDraft from PyPI) reads what we wrote.
    script = pyJianYingDraft.DraftFolder(str(folder.parent)).load_template(folder.name)
    assert (script.width, script.height, script.duration) == (320, 240, 3_000_000)
    tracks = [(t.track_type.name, len(t.segments)) for t in script.imported_tracks]
    assert tracks == [("video", 1), ("video", 1), ("audio", 1), ("text", 2)]
    video, image, _audio, text = script.imported_tracks
    assert (video.segments[0].target_timerange.start, video.segments[0].target_timerange.duration) == (0, 1_500_000)
    assert image.segments[0].target_timerange.start == 1_500_000
    assert text.segments[1].target_timerange.start == 1_000_000
    materials = script.imported_materials
    paths = [m["path"] for m in materials["videos"]] + [m["path"] for m in materials["audios"]]
    # Relocatable: relative to the draft folder behind the app's placeholder, never an absolute server path.
    placeholder = "##_draftpath_placeholder_0E685133-18CE-45ED-8CB8-2904A212EC80_##/"
    assert all(p.startswith(placeholder) and (folder / p[len(placeholder) :]).is_file() for p in paths), paths
    photo = next(m for m in materials["videos"] if m["type"] == "photo")
    assert (photo["width"], photo["height"]) == (320, 240)
    assert materials["audios"][0]["duration"] == pytest.approx(3_000_000, abs=60_000)
    assert image.segments[0].raw_data["clip"]["transform"]["x"] == pytest.approx(80 / 320)

    caption = json.loads(materials["texts"][0]["content"])
    assert caption["text"] == "你好，世界"
    colors = {tuple(s["range"]): s["fill"]["content"]["solid"]["color"] for s in caption["styles"]}
    assert colors[(3, 5)] == pytest.approx([1.0, 113 / 255, 0.0])  # keyword in #ff7100
    assert colors[(0, 3)] == pytest.approx([1.0, 1.0, 0.0])
    assert all(s["size"] == 12 and s["strokes"] for s in caption["styles"])


def test_get_draft_lists_and_serves_every_file(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = build_full_draft(api, media_url)
    listing = api.get(f"{V1}/get_draft", params={"draft_id": draft_id(url)}).json()
    files = listing["files"]
    folder = settings.data_dir / "drafts" / draft_id(url)
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert sorted(f.split(f"/{draft_id(url)}/", 1)[1] for f in files) == on_disk
    for file_url in files:
        response = api.get(file_url)
        assert response.status_code == 200
        relative = file_url.split(f"/{draft_id(url)}/", 1)[1]
        assert response.content == (folder / relative).read_bytes()
    video_url = next(f for f in files if f.endswith(".mp4"))
    partial = api.get(video_url, headers={"Range": "bytes=4-11"})
    assert partial.status_code == 206
    assert partial.content == api.get(video_url).content[4:12]

    archive = zipfile.ZipFile(io.BytesIO(api.get(listing["zip_url"]).content))
    assert sorted(archive.namelist()) == [f"{draft_id(url)}/{relative}" for relative in on_disk]
    assert archive.read(f"{draft_id(url)}/draft_content.json") == (folder / "draft_content.json").read_bytes()


def test_twenty_parallel_captions_lose_nothing(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)

    def add(i: int) -> int:
        return api.post(f"{V1}/add_captions", json={"draft_url": url, "captions": captions(f"caption {i}")}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert list(pool.map(add, range(20))) == [200] * 20
    doc = content_of(settings.data_dir, url)
    texts = [json.loads(m["content"])["text"] for m in doc["materials"]["texts"]]
    assert sorted(texts) == sorted(f"caption {i}" for i in range(20))
    assert sum(len(t["segments"]) for t in doc["tracks"] if t["type"] == "text") == 20


def test_a_draft_stays_editable_after_many_newer_drafts(api: httpx.Client, settings: Settings) -> None:
    first = create_draft(api)
    for _ in range(105):
        create_draft(api)
    post_ok(api, "add_captions", {"draft_url": first, "captions": captions("still editable")})
    doc = content_of(settings.data_dir, first)
    assert json.loads(doc["materials"]["texts"][0]["content"])["text"] == "still editable"


def test_a_draft_folder_without_its_meta_file_is_still_editable(api: httpx.Client, settings: Settings) -> None:
    """A folder brought in without draft_meta_info.json (a portable copy) is edited, and the save writes one."""
    url = create_draft(api)
    meta = settings.data_dir / "drafts" / draft_id(url) / "draft_meta_info.json"
    meta.unlink()
    post_ok(api, "add_captions", {"draft_url": url, "captions": captions("no meta file")})
    written = json.loads(meta.read_text())
    assert written["tm_duration"] == content_of(settings.data_dir, url)["duration"] > 0


def test_video_clip_length_and_scene_speed(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    infos = [
        {"video_url": f"{media_url}/red.mp4", "start": 0, "end": 5_000_000},  # media is only 2 s long
        {"video_url": f"{media_url}/blue.mp4", "start": 9_000_000, "end": 10_000_000},
    ]
    body = post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(infos)})
    segments = content_of(settings.data_dir, url)["tracks"][-1]["segments"]
    assert segments[0]["target_timerange"]["duration"] == pytest.approx(2_000_000, abs=50_000)
    written = segments[0]["target_timerange"]["duration"]  # the answer says what was written, not the slot
    assert body["segment_infos"][0] == {"id": body["segment_ids"][0], "start": 0, "end": written}

    scenes = [{"start": 0, "end": 1_000_000}, {"start": 0, "end": 2_000_000}]
    infos = [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 2_000_000},
             {"video_url": f"{media_url}/blue.mp4", "start": 0, "end": 1_000_000}]  # fmt: skip
    post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(infos), "scene_timelines": scenes})
    segments = content_of(settings.data_dir, url)["tracks"][-1]["segments"]
    assert [s["speed"] for s in segments] == [2.0, 0.5]
    assert segments[1]["target_timerange"]["start"] == segments[0]["target_timerange"]["duration"]


def test_real_json_arrays_are_accepted_too(api: httpx.Client, media_url: str) -> None:
    url = create_draft(api)
    body = post_ok(api, "add_audios", {"draft_url": url, "audio_infos": [
        {"audio_url": f"{media_url}/tone.mp3", "start": 0.9, "end": 1_000_000.7}]})  # fmt: skip
    assert body["segment_infos"][0]["start"] == 0 and body["segment_infos"][0]["end"] == 1_000_000


def test_get_audio_duration(api: httpx.Client, media_url: str) -> None:
    duration = post_ok(api, "get_audio_duration", {"mp3_url": f"{media_url}/tone.mp3"})["duration"]
    assert duration == pytest.approx(3_000_000, abs=60_000)


def test_english_messages_on_request(api: httpx.Client) -> None:
    response = api.get(f"{V1}/get_draft", params={"draft_id": "20250101000000" + "a" * 16},
                       headers={"Accept-Language": "en-US,en;q=0.9"})  # fmt: skip
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "DRAFT_NOT_FOUND", "message": "Draft not found",
        "details": "no draft with draft_id 20250101000000aaaaaaaaaaaaaaaa",
    }  # fmt: skip


@pytest.mark.strict_names
def test_audio_effect_is_stored_by_name(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    item = {"audio_url": f"{media_url}/tone.mp3", "start": 0, "end": 1_000_000, "audio_effect": "8bit"}
    post_ok(api, "add_audios", {"draft_url": url, "audio_infos": json.dumps([item])})
    doc = content_of(settings.data_dir, url)
    effect = doc["materials"]["audio_effects"][0]
    assert (effect["name"], effect["type"], effect["category_id"]) == ("8bit", "audio_effect", "sound_effect")
    assert effect["id"] in doc["tracks"][-1]["segments"][0]["extra_material_refs"]

    bad = {**item, "audio_effect": "no such effect"}
    body = {"draft_url": url, "audio_infos": json.dumps([bad])}
    details = post_error(api, "add_audios", body, 400, "VALIDATION_ERROR")
    assert details.startswith("audio_infos[0].audio_effect: unknown name 'no such effect'")
