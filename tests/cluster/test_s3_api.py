"""The API with draft folders and videos in a real S3 bucket (SeaweedFS): nothing of a draft on local disk."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest

from capcut_mate.config import Settings
from tests.jobs.helpers import V1, assert_monotonic, build_draft, caption_ink, ink_fill, poll, post, probe
from tests.servers import api_server

pytest.importorskip("boto3", reason="cluster extra not installed (pip install -e '.[cluster]')")


def test_drafts_files_zip_and_renders_live_in_the_bucket(
    s3_env: dict[str, str], media_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, render_workers=1)
    with api_server(settings) as base, httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client:
        draft_url = build_draft(client, media_url)
        draft_id = draft_url.split("draft_id=")[1]
        assert not (settings.data_dir / "drafts" / draft_id).exists()

        listing = client.get(f"{V1}/get_draft", params={"draft_id": draft_id}).json()
        names = [url.split(f"/files/drafts/{draft_id}/")[1] for url in listing["files"]]
        assert {"draft_content.json", "draft_info.json", "draft_meta_info.json"} <= set(names)
        assert sum(name.startswith("assets/") for name in names) == 3  # video, image, audio
        video_name = next(name for name in names if name.startswith("assets/videos/"))
        whole = client.get(f"/files/drafts/{draft_id}/{video_name}")
        redirect = whole.history[0]
        assert redirect.status_code == 307 and "X-Amz-Signature" in redirect.headers["location"]
        part = client.get(f"/files/drafts/{draft_id}/{video_name}", headers={"Range": "bytes=4-11"})
        assert part.status_code == 206 and part.content == whole.content[4:12]
        assert client.get(f"/files/drafts/{draft_id}/assets/videos/none.mp4").status_code == 404
        assert client.get(f"/files/drafts/{draft_id}/..%2F..%2Fetc%2Fpasswd").status_code == 404

        zipped = zipfile.ZipFile(io.BytesIO(client.get(listing["zip_url"]).content))
        assert sorted(zipped.namelist()) == sorted(f"{draft_id}/{name}" for name in names)
        doc = json.loads(zipped.read(f"{draft_id}/draft_content.json"))
        for material in doc["materials"]["videos"] + doc["materials"]["audios"]:
            relative = material["path"].split("_##/", 1)[1]  # behind the draft-folder placeholder
            assert f"{draft_id}/{relative}" in zipped.namelist()

        post(client, "gen_video", {"draft_url": draft_url})
        seen = poll(client, draft_url)
        assert_monotonic(seen)
        done = seen[-1]
        assert done["status"] == "completed", done
        assert (
            done["video_url"].startswith(s3_env["CAPCUT_MATE_S3_ENDPOINT_URL"])
            and "X-Amz-Signature" in done["video_url"]
        )
        out = tmp_path / "out.mp4"
        out.write_bytes(httpx.get(done["video_url"]).content)
        info = probe(out)
        assert info["video"] == [(320, 240)] and info["audio"] == 1
        assert not (settings.data_dir / "outputs" / draft_id).exists()
        assert list((settings.data_dir / "tmp" / "render").iterdir()) == []  # scratch cleaned


def test_previews_and_output_choices_work_from_the_bucket(
    s3_env: dict[str, str], media_url: str, tmp_path: Path
) -> None:
    """gen_preview checks the draft out of the bucket into scratch (cleaned after); a gen_video with output
    choices lands in the bucket with its own extension and content type."""
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, render_workers=1)
    with api_server(settings) as base, httpx.Client(base_url=base, timeout=60) as client:
        url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
        images = json.dumps([{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000}])
        post(client, "add_images", {"draft_url": url, "image_infos": images})

        frame = client.post(f"{V1}/gen_preview", json={"draft_url": url, "time": 500_000})
        assert frame.status_code == 200 and frame.content.startswith(b"\x89PNG"), frame.text
        assert not list((settings.data_dir / "tmp").glob("preview-*"))

        post(client, "gen_video", {"draft_url": url, "format": "gif", "width": 160})
        done = poll(client, url)[-1]
        assert done["status"] == "completed", done
        assert ".gif?" in done["video_url"] and "X-Amz-Signature" in done["video_url"]
        video = httpx.get(done["video_url"])
        assert video.headers["content-type"] == "image/gif" and video.content.startswith(b"GIF8")


def test_a_font_added_to_a_draft_in_the_bucket_draws_its_captions(
    s3_env: dict[str, str], media_url: str, tmp_path: Path
) -> None:
    """add_font in S3 mode: the font and its record go to the bucket, by content; the render draws with it."""
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, render_workers=1)
    with api_server(settings) as base, httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client:
        draft_url = post(client, "create_draft", {"width": 320, "height": 240, "app": "capcut"})["draft_url"]
        added = post(client, "add_font", {"draft_url": draft_url, "font_url": f"{media_url}/block.ttf"})
        captions = json.dumps([{"text": "HXH", "start": 0, "end": 400_000}])
        post(client, "add_captions", {"draft_url": draft_url, "captions": captions, "font": added["font"]})
        draft_id = draft_url.split("draft_id=")[1]
        assert not (settings.data_dir / "drafts" / draft_id).exists()
        listing = client.get(f"{V1}/get_draft", params={"draft_id": draft_id}).json()
        names = {url.split(f"/files/drafts/{draft_id}/")[1] for url in listing["files"]}
        assert {f"assets/fonts/{added['font_id']}.ttf", f"assets/fonts/{added['font_id']}.json"} <= names
        assert ink_fill(caption_ink(client, draft_url, tmp_path / "out.mp4")) > 0.6  # solid boxes, not letters


def test_template_mode_works_in_the_bucket(s3_env: dict[str, str], media_url: str, tmp_path: Path) -> None:
    """import_draft stores the zip's media in the bucket (nothing on local disk), replace_material and
    replace_text edit it there, and the draft renders."""
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, render_workers=1)
    with api_server(settings) as base, httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client:
        source = build_draft(client, media_url)
        listing = client.get(f"{V1}/get_draft", params={"draft_id": source.split("draft_id=")[1]}).json()
        zipped = client.get(listing["zip_url"]).content
        response = client.post(f"{V1}/import_draft", files={"file": ("d.zip", zipped, "application/zip")})
        assert response.status_code == 200, response.text
        body = response.json()
        url = body["draft_url"]
        assert body["missing_materials"] == [] and len(body["stored_files"]) == 3
        assert not (settings.data_dir / "drafts" / body["draft_id"]).exists()
        post(client, "replace_material", {"draft_url": url, "material_name": "red.png",
                                          "url": f"{media_url}/blue.mp4", "fit": "loop"})  # fmt: skip
        assert post(client, "replace_text", {"draft_url": url, "match": "hello", "text": "bucket"})["replacements"] == 1
        texts = [s["text"] for t in post(client, "list_segments", {"draft_url": url})["tracks"] for s in t["segments"]]
        assert "bucket" in texts
        post(client, "gen_video", {"draft_url": url})
        done = poll(client, url)[-1]
        assert done["status"] == "completed", done
        out = tmp_path / "out.mp4"
        out.write_bytes(httpx.get(done["video_url"]).content)
        assert probe(out)["video"] == [(320, 240)]
        scratch = settings.data_dir / "tmp"
        assert not [*scratch.glob("import-*"), *scratch.glob("conform-*")], "scratch folders are removed"
