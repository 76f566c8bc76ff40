"""MCP over streamable HTTP at /mcp on the API app, behind the same API keys as the REST routes.

Stateless, JSON answers: any API server of a cluster can answer any MCP request (no session affinity).
Tool calls go to the same app in process (ASGI), so they pass the same validation, errors and auth.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from mcp.server import Server
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from capcut_mate.mcp.server import build_server

MCP_PATH = "/mcp"


def internal_headers(keys: list[str], lang: str | None) -> dict[str, str]:
    """The caller already passed the key check to reach MCP; the inner REST call carries a configured key."""
    headers = {"authorization": f"Bearer {keys[0]}"} if keys else {}
    if lang:
        headers["accept-language"] = lang
    return headers


def mount_mcp(app: FastAPI, api_keys: list[str]) -> Callable[[], AbstractAsyncContextManager[None]]:
    """Serve MCP at /mcp; returns the context manager the app's lifespan must hold open."""

    @asynccontextmanager
    async def client(request: Request | None) -> AsyncIterator[httpx.AsyncClient]:
        """In process, at the address the agent used: URLs in the answers (video_url) are the ones it can reach."""
        transport = httpx.ASGITransport(app=app)
        base = str(request.base_url) if request is not None else "http://127.0.0.1"
        lang = request.headers.get("accept-language") if request is not None else None
        async with httpx.AsyncClient(
            transport=transport, base_url=base, headers=internal_headers(api_keys, lang)
        ) as http:
            yield http

    endpoint = _Endpoint(build_server(app.openapi, client))
    app.router.routes.append(Route(MCP_PATH, endpoint=endpoint, methods=["GET", "POST", "DELETE"]))
    return endpoint.running


class _Endpoint:
    """The ASGI app at /mcp. A session manager runs once: each lifespan (a restart, a test client's) gets a new one."""

    def __init__(self, server: Server[dict[str, Any]]) -> None:
        self.server = server
        self.current: StreamableHTTPASGIApp | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        manager = StreamableHTTPSessionManager(app=self.server, json_response=True, stateless=True)
        async with manager.run():
            self.current = StreamableHTTPASGIApp(manager)
            try:
                yield
            finally:
                self.current = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.current is None:
            raise RuntimeError("MCP is served only while the app's lifespan runs")
        await self.current(scope, receive, send)
