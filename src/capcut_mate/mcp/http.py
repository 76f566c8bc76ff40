"""MCP over streamable HTTP at /mcp on the API app, behind the same API keys as the REST routes.

Stateless, JSON answers: any API server of a cluster can answer any MCP request (no session affinity).
Tool calls go to the same app in process (ASGI), so they pass the same validation, errors and auth.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
from fastapi import FastAPI
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.routing import Route

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
    async def client(lang: str | None) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app)
        headers = internal_headers(api_keys, lang)
        async with httpx.AsyncClient(transport=transport, base_url="http://capcut-mate", headers=headers) as http:
            yield http

    manager = StreamableHTTPSessionManager(app=build_server(app, client), json_response=True, stateless=True)
    app.router.routes.append(
        Route(MCP_PATH, endpoint=StreamableHTTPASGIApp(manager), methods=["GET", "POST", "DELETE"])
    )
    return manager.run
