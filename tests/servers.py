"""Real servers for tests, all on loopback: a static media server, the API in a thread, the API as a process, an
OpenAI-compatible speech server."""

from __future__ import annotations

import functools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from capcut_mate.api.app import create_app
from capcut_mate.config import Settings
from capcut_mate.jobs.runner import InProcessRunner


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _MediaHandler(SimpleHTTPRequestHandler):
    """Static files, plus two misbehaviours for download tests:
    `/flaky/<file>` answers 503 on the first request for each path, `/slow/<file>` stalls for 3 s first."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/flaky/"):
            seen: set[str] = self.server.seen_flaky  # type: ignore[attr-defined]
            if self.path not in seen:
                seen.add(self.path)
                self.send_error(503, "try again")
                return
            self.path = self.path[len("/flaky") :]
        elif self.path.startswith("/slow/"):
            time.sleep(3)
            self.path = self.path[len("/slow") :]
        super().do_GET()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up early (size-cap tests) are expected; keep the test output clean."""


@contextmanager
def media_server(folder: Path) -> Iterator[str]:
    """Serve `folder` over HTTP on 127.0.0.1; yields the base URL (missing files answer 404)."""
    handler = functools.partial(_MediaHandler, directory=str(folder))
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.seen_flaky = set()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def wait_healthy(base_url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"server at {base_url} did not become healthy")


@contextmanager
def api_server(settings: Settings, port: int | None = None, app: FastAPI | None = None) -> Iterator[str]:
    """The real app (or `app`, built by the test) under uvicorn in a background thread; yields its base URL."""
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = settings.model_copy(update={"public_url": base_url})
    app = app or create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_healthy(base_url)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def api_server_rendering_in_process(settings: Settings) -> Iterator[str]:
    """As `api_server`, but renders run on threads of this process (jobs/runner.InProcessRunner): the same
    renderer without a Python start-up per render, for tests whose meaning is not the process boundary."""
    settings = settings.model_copy(update={"in_process_workers": False})
    app = create_app(settings)
    svc = app.state.services
    pool = svc.worker_pool(svc.settings.render_workers, runner=InProcessRunner(svc.farm)).start()
    try:
        with api_server(settings, app=app) as base_url:
            yield base_url
    finally:
        pool.stop()


@contextmanager
def in_process(settings: Settings) -> Iterator[TestClient]:
    """The app called in-process (no socket, no render workers): for API tests that render nothing."""
    client = TestClient(create_app(settings), base_url="http://testserver")
    try:
        yield client
    finally:
        client.close()


class ServerProcess:
    """`capcut-mate serve` as a real child process, for restart and kill tests."""

    def __init__(self, data_dir: Path, port: int | None = None, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"

    def start(self) -> ServerProcess:
        env = {
            **os.environ,
            "CAPCUT_MATE_DATA_DIR": str(self.data_dir),
            "CAPCUT_MATE_PUBLIC_URL": self.base_url,
            "CAPCUT_MATE_ALLOW_PRIVATE_URLS": "1",
            **self.extra_env,
        }
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "capcut_mate", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_healthy(self.base_url)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when a machine dies."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class _SpeechHandler(BaseHTTPRequestHandler):
    """The OpenAI speech protocol, spoken by espeak-ng: `POST /v1/audio/speech` {model, input, voice, speed,
    response_format} → WAV bytes, `GET /v1/audio/voices` → {"voices": [...]}. Errors as OpenAI words them."""

    server: SpeechServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._answer(status, json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode())

    def _authorised(self) -> bool:
        if self.server.key and self.headers.get("authorization") != f"Bearer {self.server.key}":
            self._error(401, "Incorrect API key provided")
            return False
        return True

    def do_GET(self) -> None:
        if self.path != "/v1/audio/voices" or not self.server.list_voices:
            self._error(404, f"no route {self.path}")
        elif self._authorised():
            self._answer(200, json.dumps({"voices": sorted(self.server.voices)}).encode())

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        if self.path != "/v1/audio/speech":
            self._error(404, f"no route {self.path}")
            return
        if not self._authorised():
            return
        self.server.requests.append(body)
        if self.server.failure is not None:
            self._error(*self.server.failure)
        elif body.get("voice") not in self.server.voices:
            self._error(400, f"Voice {body.get('voice')!r} not found")
        else:
            wpm = str(round(175 * float(body.get("speed", 1.0))))
            with tempfile.TemporaryDirectory() as folder:
                out = Path(folder) / "speech.wav"
                espeak = ["espeak-ng", "-b", "1", "-v", self.server.voices[body["voice"]], "-s", wpm, "-w", str(out)]
                subprocess.run(espeak, input=body["input"].encode(), check=True)
                self._answer(200, out.read_bytes(), "audio/wav")


class SpeechServer(ThreadingHTTPServer):
    url: str
    key: str | None
    voices: dict[str, str]  # the server's voice -> the espeak-ng voice that says it
    list_voices: bool
    failure: tuple[int, str] | None
    requests: list[dict[str, Any]]


@contextmanager
def speech_server(
    *, key: str | None = None, list_voices: bool = True, failure: tuple[int, str] | None = None
) -> Iterator[SpeechServer]:
    """A real OpenAI-compatible speech server on 127.0.0.1 (voices `zf_xiaobei` and `af_heart`, as Kokoro names
    them); `.url` is its base, `.requests` the speech requests it got, `.failure` (status, message) makes every
    speech request fail that way."""
    server = SpeechServer(("127.0.0.1", 0), _SpeechHandler)
    server.key, server.list_voices, server.failure, server.requests = key, list_voices, failure, []
    server.voices = {"zf_xiaobei": "cmn", "af_heart": "en-us"}
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
