"""/files and video_url when the files live in a bucket (SeaweedFS): the redirect names a safe type and, for a
draft's files, an attachment; HEAD is redirected to a URL presigned for HEAD; Range works on the bucket."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from capcut_mate.config import Settings
from tests.jobs.helpers import V1, poll, post
from tests.servers import api_server

pytest.importorskip("boto3", reason="cluster extra not installed (pip install -e '.[cluster]')")

PAGE = b"<!doctype html><script>alert(document.domain)</script>"


def test_files_from_the_bucket_are_inert_and_answer_head_and_ranges(
    s3_env: dict[str, str], media_url: str, tmp_path: Path
) -> None:
    import boto3

    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, render_workers=1)
    with api_server(settings) as base, httpx.Client(base_url=base, timeout=60) as client:
        url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
        post(client, "add_videos", {"draft_url": url, "video_infos": json.dumps(
            [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000}])})  # fmt: skip
        draft_id = url.split("draft_id=")[1]
        # An object an older version stored with a guessed document type, beside the draft's own files.
        bucket, _, prefix = s3_env["CAPCUT_MATE_STORAGE_URL"][len("s3://") :].partition("/")
        s3 = boto3.client("s3", endpoint_url=s3_env["CAPCUT_MATE_S3_ENDPOINT_URL"])
        s3.put_object(
            Bucket=bucket, Key=f"{prefix}/drafts/{draft_id}/assets/videos/page.html", Body=PAGE, ContentType="text/html"
        )
        listing = client.get(f"{V1}/get_draft", params={"draft_id": draft_id}).json()
        paths = [httpx.URL(u).raw_path.decode() for u in listing["files"]]
        kinds = {}
        for path in paths:
            redirect = client.get(path)
            assert redirect.status_code == 307 and redirect.headers["x-content-type-options"] == "nosniff", path
            got = httpx.get(redirect.headers["location"])
            assert got.status_code == 200, (path, got.text)
            kinds[path.rsplit("/", 1)[1]] = got.headers["content-type"]
            assert got.headers["content-disposition"].startswith("attachment"), (path, got.headers)

            head_redirect = client.head(path)
            assert head_redirect.status_code == 307, path
            head = httpx.head(head_redirect.headers["location"])
            assert head.status_code == 200 and head.content == b"", (path, head.status_code)
            assert head.headers["content-length"] == str(len(got.content))
            assert head.headers["content-type"] == got.headers["content-type"]
        assert kinds["page.html"] == "application/octet-stream" and kinds["draft_content.json"] == "application/json"
        assert any(kind == "video/mp4" for kind in kinds.values()), kinds

        post(client, "gen_video", {"draft_url": url})
        done = poll(client, url)[-1]
        assert done["status"] == "completed", done
        whole = httpx.get(done["video_url"])
        assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
        assert "attachment" not in whole.headers.get("content-disposition", "")
        size = len(whole.content)
        seek = httpx.get(done["video_url"], headers={"Range": f"bytes={size // 2}-"})
        assert seek.status_code == 206 and seek.content == whole.content[size // 2 :]
        output = httpx.URL(done["video_url"]).path.split("/outputs/", 1)[1]
        head_redirect = client.head(f"/files/outputs/{output}")
        assert head_redirect.status_code == 307
        head = httpx.head(head_redirect.headers["location"])
        assert head.status_code == 200 and head.headers["content-length"] == str(size)
