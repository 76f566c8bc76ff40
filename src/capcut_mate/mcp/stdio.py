"""`capcut-mate mcp`: MCP over stdio for desktop agents, with the HTTP API running on loopback beside it.

The service runs whole (render workers, file downloads at the URLs it hands out) on a loopback port, and
each tool call is an HTTP request to it: the agent gets exactly what REST clients get, and video_url works.
Nothing but MCP may be written to stdout; logs go to stderr.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx
import uvicorn
from mcp.server.stdio import stdio_server
from starlette.requests import Request

from capcut_mate.api.app import create_app
from capcut_mate.config import Settings
from capcut_mate.mcp.http import internal_headers
from capcut_mate.mcp.server import build_server


def serve_stdio(settings: Settings, host: str, port: int) -> None:
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="capcut-mate-http", daemon=True)
    thread.start()
    base_url = f"http://{host}:{port}"
    _wait_started(server, thread)

    @asynccontextmanager
    async def client(request: Request | None) -> AsyncIterator[httpx.AsyncClient]:
        headers = internal_headers(settings.api_keys, None)
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=300) as http:
            yield http

    mcp_server = build_server(app, client)

    async def run() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await mcp_server.run(read_stream, write_stream, mcp_server.create_initialization_options())

    try:
        anyio.run(run)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the HTTP API did not start (port in use?)")
        time.sleep(0.05)
