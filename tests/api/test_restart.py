"""Drafts last: a real server process is stopped (or killed) and started again on the same data dir."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.api.helpers import V1, captions, draft_id, post_ok
from tests.servers import ServerProcess


def caption_at(draft_url: str, text: str, start: int) -> dict:
    """An add_captions body with one 1 s caption at `start`."""
    return {"draft_url": draft_url, "captions": json.dumps([{"text": text, "start": start, "end": start + 1_000_000}])}


def test_draft_is_editable_after_restart_and_kill(tmp_path: Path, media_url: str) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            url = client.post(f"{V1}/create_draft", json={"width": 320, "height": 240}).json()["draft_url"]
            body = {"draft_url": url, "audio_infos": json.dumps(
                [{"audio_url": f"{media_url}/tone.mp3", "start": 0, "end": 2_000_000}])}  # fmt: skip
            post_ok(client, "add_audios", body)
            post_ok(client, "add_captions", {"draft_url": url, "captions": captions("one", "two")})
        server.stop()
        server.start()
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            post_ok(client, "add_captions", caption_at(url, "three", 3_000_000))
        server.kill()
        server.start()
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            post_ok(client, "add_captions", caption_at(url, "four", 4_000_000))
            files = client.get(f"{V1}/get_draft", params={"draft_id": draft_id(url)}).json()["files"]
            content_url = next(f for f in files if f.endswith("/draft_content.json"))
            doc = client.get(content_url).json()
    finally:
        server.stop()
    texts = [json.loads(m["content"])["text"] for m in doc["materials"]["texts"]]
    assert texts == ["one", "two", "three", "four"]
    assert doc["duration"] == 5_000_000
    assert len(doc["materials"]["audios"]) == 1
