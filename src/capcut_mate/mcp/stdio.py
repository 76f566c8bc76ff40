"""`capcut-mate mcp`: MCP over stdio for desktop agents, each tool call an HTTP request to the REST API.

Two ways, so an agent never depends on a fixed port being free:
- alone (the default): the service runs whole beside it (render workers, file downloads at the URLs it hands
  out) on a loopback port the system picks, or `--port`. A desktop app starts this process itself, often
  while `capcut-mate serve` already holds 30000, so a fixed port would make the agent see only
  "Connection closed";
- `--api-url URL`: no server of its own; the tools are the running service's (its /openapi.json) and every
  call goes to it, so drafts, renders and video URLs are that service's.

Nothing but MCP may be written to stdout; logs go to stderr, and a start that fails raises StartupError with
a message the command prints there, before the agent's first message is read.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import uvicorn
from mcp.server.stdio import stdio_server
from starlette.requests import Request

from capcut_mate.config import Settings
from capcut_mate.mcp.http import internal_headers
from capcut_mate.mcp.server import build_server


class StartupError(Exception):
    """The stdio server could not start; the message says why and what to do."""


def serve_stdio(settings: Settings, host: str, port: int, lang: str | None, api_url: str | None = None) -> None:
    headers = internal_headers(settings.api_keys, lang)
    if api_url:
        base_url = api_url.rstrip("/")
        document = _remote_document(base_url, headers)
        _run(lambda: document, base_url, headers)
        return
    from capcut_mate.api.app import create_app

    app = create_app(settings)
    listener = _bind(host, port)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="capcut-mate-http", daemon=True)
    thread.start()
    _wait_started(server, thread)
    try:
        _run(app.openapi, f"http://{host}:{listener.getsockname()[1]}", headers)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _run(document: Callable[[], dict[str, Any]], base_url: str, headers: dict[str, str]) -> None:
    @asynccontextmanager
    async def client(request: Request | None) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=300) as http:
            yield http

    mcp_server = build_server(document, client)

    async def run() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await mcp_server.run(read_stream, write_stream, mcp_server.create_initialization_options())

    anyio.run(run)


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket for the API beside the stdio server (port 0: one the system picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StartupError(
            f"cannot listen on {host}:{port} ({exc.strerror}); leave --port out to take a free port, or pass "
            "--api-url http://127.0.0.1:30000 to use the service already running there"
        ) from exc
    return sock


def _remote_document(base_url: str, headers: dict[str, str]) -> dict[str, Any]:
    try:
        response = httpx.get(f"{base_url}/openapi.json", headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        raise StartupError(f"no capcut-mate service answers at {base_url} ({exc}); start it with `make serve`") from exc
    if response.status_code != 200 or "paths" not in response.text:
        raise StartupError(f"{base_url}/openapi.json answered HTTP {response.status_code}: is it capcut-mate?")
    document: dict[str, Any] = response.json()
    return document


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    while not server.started:
        if not thread.is_alive():
            raise StartupError("the HTTP API beside the MCP server did not start (see the log above)")
        time.sleep(0.05)
