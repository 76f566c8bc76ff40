"""A draft whose media are missing is refused when the render is asked for (gen_video, gen_preview), naming
every missing material and the call that fixes it: replace_material for an app template, add_* otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from capcut_mate.config import Settings
from tests.api.helpers import V1, create_draft, draft_id, post_ok, zip_bytes

CALIBRATION = Path(__file__).resolve().parents[3] / "shared" / "calibration" / "capcut_7.9_text_and_photo"


def _refused(api: httpx.Client, endpoint: str, body: dict, lang: str = "zh") -> dict:
    response = api.post(f"{V1}/{endpoint}", json=body, headers={"accept-language": lang})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "MEDIA_MISSING", error
    return error


@pytest.mark.skipif(not CALIBRATION.is_dir(), reason="shared/calibration not present")
def test_an_app_template_without_its_media_names_every_material(
    api: httpx.Client, media_url: str, settings: Settings
) -> None:
    """The app's draft zipped without data/ (its photo and its music): both named, with replace_material."""
    names = ("draft_content.json", "draft_meta_info.json")
    data = zip_bytes({f"my template/{name}": CALIBRATION / name for name in names})
    imported = api.post(f"{V1}/import_draft", files={"file": ("t.zip", data, "application/zip")})
    assert imported.status_code == 200, imported.text
    url = imported.json()["draft_url"]
    assert len(imported.json()["missing_materials"]) == 2

    error = _refused(api, "gen_video", {"draft_url": url}, "en")
    by_id = {m["material_id"]: m for m in error["missing_materials"]}
    assert by_id == {
        "9835065B-CD77-4271-B967-49AADCE02478": {
            "material_id": "9835065B-CD77-4271-B967-49AADCE02478", "type": "photo", "name": "BG.png",
            "file_name": "BG.png", "path": "C:/Quran/quran-subtitle-generator/data/BG.png", "fix": "replace_material"},
        "D32963C0-7D6C-41d2-BD74-7118A5BADBC3": {
            "material_id": "D32963C0-7D6C-41d2-BD74-7118A5BADBC3", "type": "audio", "name": "001.mp3",
            "file_name": "001.mp3", "path": "C:/Quran/quran-subtitle-generator/data/001.mp3",
            "fix": "replace_material"},
    }  # fmt: skip
    for material_id in by_id:
        assert material_id in error["details"]
    assert "replace_material" in error["details"] and "add_videos" not in error["details"]
    assert error["message"].startswith("Media the draft uses are missing")
    assert (
        _refused(api, "gen_preview", {"draft_url": url, "time": 0})["missing_materials"] == error["missing_materials"]
    )
    assert "草稿" in _refused(api, "gen_video", {"draft_url": url})["message"]

    post_ok(api, "replace_material", {"draft_url": url, "material_name": "BG.png", "url": f"{media_url}/red.png"})
    error = _refused(api, "gen_video", {"draft_url": url})
    assert [m["name"] for m in error["missing_materials"]] == ["001.mp3"]
    post_ok(
        api,
        "replace_material",
        {"draft_url": url, "material_name": "001.mp3", "url": f"{media_url}/tone.mp3", "fit": "loop"},
    )
    assert api.post(f"{V1}/gen_video", json={"draft_url": url}).status_code == 200


def test_a_draft_built_over_the_api_names_the_add_call(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(
        [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000}])})  # fmt: skip
    post_ok(api, "add_audios", {"draft_url": url, "audio_infos": json.dumps(
        [{"audio_url": f"{media_url}/tone.mp3", "start": 0, "end": 1_000_000}])})  # fmt: skip
    post_ok(api, "add_images", {"draft_url": url, "image_infos": json.dumps(
        [{"image_url": f"{media_url}/red.png", "start": 1_000_000, "end": 2_000_000}])})  # fmt: skip
    assets = settings.data_dir / "drafts" / draft_id(url) / "assets"
    for gone in [*assets.glob("videos/*"), *assets.glob("audios/*"), *assets.glob("images/*")]:
        gone.unlink()
    error = _refused(api, "gen_video", {"draft_url": url})
    assert sorted((m["type"], m["fix"]) for m in error["missing_materials"]) == [
        ("audio", "add_audios"),
        ("photo", "add_images"),
        ("video", "add_videos"),
    ]
    assert "replace_material" not in error["details"]
    assert api.post(f"{V1}/gen_video_status", json={"draft_url": url}).status_code == 404  # no task was made
