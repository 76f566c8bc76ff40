"""End to end over real HTTP: build a draft from loopback media, gen_video, poll, download, probe the MP4."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers
from tests.jobs.helpers import (
    ISO_MS_Z,
    SEED_FIELDS,
    V1,
    assert_monotonic,
    assert_seed_fields,
    build_draft,
    poll,
    post,
    probe,
)
from tests.jobs.helpers import status as status_of

pytestmark = pytest.mark.slow  # renders end to end: `pytest -m 'not slow'` is the fast set


@contextmanager
def callback_receiver() -> Iterator[tuple[str, list[dict[str, Any]], threading.Event]]:
    """A loopback endpoint that fails the first POST (to exercise retries) and records the rest."""
    received: list[dict[str, Any]] = []
    got = threading.Event()
    calls = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            calls["n"] += 1
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            self.send_response(503 if calls["n"] == 1 else 200)
            self.end_headers()
            if calls["n"] > 1:
                received.append(body)
                got.set()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received, got
    finally:
        server.shutdown()
        server.server_close()


def test_render_end_to_end(api: httpx.Client, media_url: str, settings: Settings, tmp_path: Path) -> None:
    draft_url = build_draft(api, media_url)
    with callback_receiver() as (hook, received, got):
        submitted = post(api, "gen_video", {"draft_url": draft_url, "callback_url": hook})
        assert submitted["code"] == 0 and submitted["message"]
        assert submitted["status"] in ("pending", "processing") and ISO_MS_Z.match(submitted["created_at"])
        again = post(api, "gen_video", {"draft_url": draft_url})
        assert again["created_at"] == submitted["created_at"], "a second submit must not start a second render"

        seen = poll(api, draft_url)
        assert_monotonic(seen)
        final = seen[-1]
        assert final["status"] == "completed", final
        assert_seed_fields(final)
        assert final["error_message"] == "" and "callback_delivery" in final
        for key in ("created_at", "started_at", "completed_at"):
            assert ISO_MS_Z.match(final[key]), final
        assert final["created_at"] <= final["started_at"] <= final["completed_at"]
        assert {body["progress"] for body in seen} - {0, 100}, "a poller should see processing steps"

        video = api.get(final["video_url"])
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        path = tmp_path / "out.mp4"
        path.write_bytes(video.content)
        info = probe(path)
        assert abs(info["duration"] - 3.0) < 0.25, info
        assert info["video"] == [(320, 240)] and info["audio"] == 1
        assert api.get(final["video_url"], headers={"Range": "bytes=0-99"}).status_code == 206

        assert got.wait(30), "callback not delivered after a retry"
        assert received[0] == {key: final[key] for key in SEED_FIELDS}, "the callback's body is the seed's fields"

    # The delivery is recorded once the receiver has answered, so it may land just after `got` is set.
    deadline = time.monotonic() + 10
    while True:
        report = api.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
        notes = [e["note"] for e in report["events"]]
        if any("callback delivered" in note for note in notes) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert report["status"] == "completed" and report["report"]["width"] == 320
    assert notes[0] == "submitted" and notes[1].startswith("claimed by "), notes
    assert any("callback delivered" in note for note in notes), notes
    delivery = report["callback_delivery"]
    assert delivery["state"] == "delivered" and delivery["attempts"] == 2 and delivery["last_error"] == ""
    assert delivery["next_attempt_at"] is None and ISO_MS_Z.match(delivery["finished_at"])
    assert status_of(api, draft_url)["callback_delivery"] == delivery
    assert not any((settings.tmp_dir / "render").iterdir()), "temporary files must be cleaned"
    assert api.get(f"{V1}/gen_video_active_count").json()["count"] == 0

    fresh = post(api, "gen_video", {"draft_url": draft_url})
    assert fresh["created_at"] > final["created_at"] and fresh["status"] in ("pending", "processing")
    assert poll(api, draft_url)[-1]["status"] == "completed"


def test_status_language_and_empty_draft_failure(api: httpx.Client) -> None:
    draft_url = post(api, "create_draft", {"width": 320, "height": 240})["draft_url"]
    post(api, "gen_video", {"draft_url": draft_url})
    seen = poll(api, draft_url)
    assert_monotonic(seen)
    failed = seen[-1]
    assert failed["status"] == "failed" and failed["progress"] == 0 and failed["video_url"] == ""
    assert "草稿为空" in failed["error_message"] and "add_videos" in failed["error_message"]
    english = api.post(
        f"{V1}/gen_video_status", json={"draft_url": draft_url}, headers={"Accept-Language": "en-US"}
    ).json()
    assert english["error_message"].startswith("video generation failed (DRAFT_EMPTY)")


def test_chunk_settings_reach_the_renderer(media_url: str, tmp_path: Path) -> None:
    """CAPCUT_MATE_RENDER_CHUNK_* settings: the 3 s draft renders as 2 chunks (cut at 1.5 s), progress monotonic."""
    settings = Settings(
        data_dir=tmp_path / "data", allow_private_urls=True, render_chunk_seconds=1.0, render_chunk_workers=2
    )
    with servers.api_server(settings) as base_url, httpx.Client(base_url=base_url, timeout=60) as api:
        draft_url = build_draft(api, media_url)
        post(api, "gen_video", {"draft_url": draft_url})
        seen = poll(api, draft_url)
        assert_monotonic(seen)
        assert seen[-1]["status"] == "completed", seen[-1]
        report = api.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()["report"]
        assert any(note.startswith("rendered in 2 chunks, 2 at a time") for note in report["notes"]), report
        path = tmp_path / "out.mp4"
        path.write_bytes(api.get(seen[-1]["video_url"]).content)
        info = probe(path)
        assert abs(info["duration"] - 3.0) < 0.05 and info["video"] == [(320, 240)] and info["audio"] == 1


def test_an_ffmpeg_refusal_blames_the_renderer_and_keeps_the_graph(
    api: httpx.Client, media_url: str, settings: Settings, tmp_path: Path
) -> None:
    """A draft the app could have saved (a filter track with a damaged .cube LUT) makes ffmpeg refuse the
    graph: the task fails saying it is capcut-mate's fault, and gen_video_report keeps what ffmpeg refused."""
    draft_url = post(api, "create_draft", {"width": 320, "height": 240})["draft_url"]
    post(api, "add_images", {"draft_url": draft_url, "image_infos": json.dumps(
        [{"image_url": f"{media_url}/red.png", "start": 0, "end": 500_000}])})  # fmt: skip
    folder = next((settings.data_dir / "drafts").iterdir())
    (folder / "broken.cube").write_text("LUT_3D_SIZE 2\nnot numbers\n", encoding="utf-8")
    path = folder / "draft_content.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["materials"].setdefault("effects", []).append(
        {"id": "lut1", "type": "filter", "name": "LUT", "path": "broken.cube"}
    )
    doc["tracks"].append({"id": "fx", "type": "filter", "attribute": 0, "segments": [
        {"id": "fxseg", "material_id": "lut1", "target_timerange": {"start": 0, "duration": 500_000}}]})  # fmt: skip
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    post(api, "gen_video", {"draft_url": draft_url})
    failed = poll(api, draft_url)[-1]
    assert failed["status"] == "failed"
    assert "capcut-mate 的问题" in failed["error_message"] and "不是草稿的问题" in failed["error_message"]
    english = api.post(
        f"{V1}/gen_video_status", json={"draft_url": draft_url}, headers={"Accept-Language": "en"}
    ).json()["error_message"]
    assert "a capcut-mate bug, not a problem with your draft" in english
    report = api.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
    assert report["error_code"] == "FFMPEG_FAILED"
    assert "lut3d" in report["report"]["error"]["debug"]["filter_graph"]
