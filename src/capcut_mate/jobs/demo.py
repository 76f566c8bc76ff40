"""`capcut-mate demo`: the whole product in one command, for a newcomer.

Makes sample media with ffmpeg under the data directory, serves it from a loopback HTTP server, starts the
API (with in-process render workers) on loopback, builds a draft through the HTTP API (a video, an image,
music, two captions, one in Chinese), submits gen_video and polls gen_video_status with a progress bar.
The media helpers are shared with `benchmarks/status_load.py`.
"""

from __future__ import annotations

import functools
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from capcut_mate.config import Settings
from capcut_mate.drafts.ids import API_PREFIX
from capcut_mate.ffmpeg import ffmpeg_exe

SEC = 1_000_000


def make_media(folder: Path, seconds: float = 3.0, size: tuple[int, int] = (640, 360)) -> None:
    """clip.mp4 (test pattern + tone), still.png, music.mp3; kept if already there."""
    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    jobs = {
        "clip.mp4": [
            "-f", "lavfi", "-i", f"testsrc2=s={w}x{h}:r=30:d={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=660:sample_rate=44100:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
        ],
        "still.png": ["-f", "lavfi", "-i", f"smptebars=s={w}x{h}", "-frames:v", "1"],
        "music.mp3": ["-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=44100:duration={2 * seconds}"],
    }  # fmt: skip
    for name, args in jobs.items():
        if not (folder / name).is_file():
            subprocess.run(
                [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args, str(folder / name)], check=True
            )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def media_server(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True, name="demo-media").start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _post(client: httpx.Client, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API_PREFIX}/{endpoint}", json=body)
    if response.status_code != 200:
        raise RuntimeError(f"{endpoint} answered HTTP {response.status_code}: {response.text}")
    answer: dict[str, Any] = response.json()
    return answer


def build_draft(client: httpx.Client, media_url: str, seconds: float = 3.0, size: tuple[int, int] = (640, 360)) -> str:
    """A draft of 2×`seconds`: the clip, then the still; music under both; an English and a Chinese caption."""
    span = int(seconds * SEC)
    url = str(_post(client, "create_draft", {"width": size[0], "height": size[1]})["draft_url"])
    videos = [{"video_url": f"{media_url}/clip.mp4", "start": 0, "end": span}]
    _post(client, "add_videos", {"draft_url": url, "video_infos": json.dumps(videos)})
    images = [{"image_url": f"{media_url}/still.png", "start": span, "end": 2 * span}]
    _post(client, "add_images", {"draft_url": url, "image_infos": json.dumps(images)})
    audios = [{"audio_url": f"{media_url}/music.mp3", "start": 0, "end": 2 * span, "volume": 0.5}]
    _post(client, "add_audios", {"draft_url": url, "audio_infos": json.dumps(audios)})
    captions = [
        {"text": "Hello from capcut-mate", "start": 0, "end": span},
        {"text": "你好,剪映草稿", "start": span, "end": 2 * span},
    ]
    _post(client, "add_captions", {"draft_url": url, "captions": json.dumps(captions), "font_size": 10})
    return url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _api(settings: Settings, port: int) -> Iterator[str]:
    """The real app (with its render workers) under uvicorn in a background thread, on loopback."""
    import uvicorn

    from capcut_mate.api.app import create_app

    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="demo-api")
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.05)
        yield settings.public_url or f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def run_demo(data_dir: Path, port: int = 0) -> Path:
    """Run the whole flow; returns the rendered MP4's path. Port 0 = any free port."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(soft_wrap=True)  # URLs and paths stay on one line, copy-pasteable
    port = port or _free_port()
    settings = Settings(data_dir=data_dir, public_url=f"http://127.0.0.1:{port}", allow_private_urls=True)
    media_dir = settings.data_dir / "demo-media"
    console.print(f"[bold]1.[/] sample media with ffmpeg → {media_dir}")
    make_media(media_dir)
    with (
        media_server(media_dir) as media_url,
        _api(settings, port) as base_url,
        httpx.Client(base_url=base_url) as client,
    ):
        console.print(f"[bold]2.[/] API on {base_url} (docs: {base_url}/docs), media on {media_url}")
        draft_url = build_draft(client, media_url)
        console.print(f"[bold]3.[/] draft built over HTTP: {draft_url}")
        _post(client, "gen_video", {"draft_url": draft_url})
        console.print("[bold]4.[/] gen_video submitted; polling gen_video_status")
        columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:>3.0f}%"))
        with Progress(*columns, TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("pending", total=100)
            while True:
                status = _post(client, "gen_video_status", {"draft_url": draft_url})
                bar.update(task, completed=status["progress"], description=status["status"])
                if status["status"] in ("completed", "failed"):
                    break
                time.sleep(0.2)
    if status["status"] == "failed":
        raise RuntimeError(status["error_message"])
    relative = str(status["video_url"]).split("/files/outputs/", 1)[1]
    path = (settings.outputs_dir / relative).resolve()
    console.print(f"[bold green]done[/] video_url: {status['video_url']}")
    console.print(f"     file:      {path}")
    console.print(f"     serve it again at that URL: capcut-mate serve --data-dir {data_dir} --port {port}")
    return path
