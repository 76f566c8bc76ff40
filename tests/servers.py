"""Real servers for tests, all on loopback: a static media server, the API in a thread, the API as a process."""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from capcut_mate.api.app import create_app
from capcut_mate.config import Settings


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
