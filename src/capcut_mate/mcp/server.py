"""The MCP server (official `mcp` SDK, low-level `Server`): tools listed from the app, calls sent to it.

The low-level server rather than FastMCP's decorators: our tools are data derived from the OpenAPI
document at start-up, not Python functions, and FastMCP would derive a second schema from signatures.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import mcp.types as types
from mcp.server import Server, ServerRequestContext
from starlette.requests import Request

from capcut_mate import __version__
from capcut_mate.mcp.tools import Operation, call, operations

INSTRUCTIONS = (
    "capcut-mate builds CapCut/JianYing drafts and renders them to MP4 headlessly. Typical loop: create_draft, "
    "add_videos / add_images / add_audios / add_captions (media by URL; times in microseconds), gen_preview to "
    "look at a frame before paying for a render, gen_video to render, gen_video_status until completed, then "
    "download video_url. search_names finds the transition/animation/filter/effect/mask/font names the add_* "
    "tools accept; answers may carry `warnings` for names that were ignored. Template mode: import_draft "
    "(zip_url of a zipped app draft folder), list_segments to find what to change, replace_material (new media "
    "for a material, by id or file name; fit loop/freeze/speed for shorter clips) and replace_text (by segment id "
    "or matching words), then gen_video."
)

# (the MCP request over HTTP, None over stdio) -> an httpx client pointed at the REST API.
ClientFactory = Callable[[Request | None], AbstractAsyncContextManager[httpx.AsyncClient]]


def build_server(document: Callable[[], dict[str, Any]], client: ClientFactory) -> Server[dict[str, Any]]:
    """`document` gives the OpenAPI document the tools come from (`app.openapi`, or a running service's)."""
    ops: dict[str, Operation] = {}

    def tools() -> dict[str, Operation]:
        """Read on first use: the app's OpenAPI document is cached once built, so not before every route exists."""
        if not ops:
            ops.update((op.name, op) for op in operations(document()))
        return ops

    async def list_tools(
        ctx: ServerRequestContext, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[op.tool() for op in tools().values()])

    async def call_tool(ctx: ServerRequestContext, params: types.CallToolRequestParams) -> types.CallToolResult:
        operation = tools().get(params.name)
        if operation is None:
            message = f"NOT_FOUND: no tool {params.name!r}; list_tools names them all"
            return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)
        async with client(ctx.request if isinstance(ctx.request, Request) else None) as http:
            return await call(operation, params.arguments or {}, http)

    return Server(
        "capcut-mate", version=__version__, instructions=INSTRUCTIONS, on_list_tools=list_tools, on_call_tool=call_tool
    )
