"""An agent with only the MCP server builds, previews, renders and downloads a video: over stdio and HTTP.

Driven by the official SDK's own client (ClientSession over stdio_client / streamable_http_client).
"""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import av
import httpx
import httpx2
import numpy as np
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from PIL import Image

from capcut_mate.config import Settings
from capcut_mate.drafts.ids import API_PREFIX
from tests import servers

KEY = "agent-key"


def rest_operations(base_url: str, headers: dict[str, str]) -> set[str]:
    document = httpx.get(f"{base_url}/openapi.json", headers=headers).json()
    return {path.rsplit("/", 1)[1] for path in document["paths"] if path.startswith(API_PREFIX + "/")}


async def call(session: ClientSession, name: str, **arguments: Any) -> Any:
    result = await session.call_tool(name, arguments)
    assert not result.is_error, (name, result.content)
    return result


async def agent(session: ClientSession, media_url: str, operations: set[str]) -> None:
    """What an agent does with the tools alone (after initialize); every assertion is about what it gets back."""
    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == operations
    assert tools["add_captions"].input_schema["properties"]["captions"]
    assert "draft_url" in tools["gen_preview"].input_schema["required"]

    draft_url = (await call(session, "create_draft", width=320, height=240)).structured_content["draft_url"]
    videos = [{"video_url": f"{media_url}/blue.mp4", "start": 0, "end": 2_000_000}]
    await call(session, "add_videos", draft_url=draft_url, video_infos=json.dumps(videos))
    photos = [{"image_url": f"{media_url}/red.png", "start": 0, "end": 2_000_000}]
    await call(session, "add_images", draft_url=draft_url, image_infos=json.dumps(photos), scale_x=0.3, scale_y=0.3)
    captions = [{"text": "MCP", "start": 0, "end": 2_000_000}]
    await call(
        session, "add_captions", draft_url=draft_url, captions=json.dumps(captions), font_size=20,
        text_color="#ffffff", transform_y=-80,
    )  # fmt: skip

    # Template mode: find a segment, rewrite it, and bring the draft's own zip back in as a new draft.
    assert tools["list_segments"].annotations.read_only_hint
    assert tools["import_draft"].input_schema["required"] == ["zip_url"]
    listing = (await call(session, "list_segments", draft_url=draft_url)).structured_content
    assert [track["type"] for track in listing["tracks"]] == ["video", "video", "text"]
    (caption,) = listing["tracks"][2]["segments"]
    await call(session, "replace_text", draft_url=draft_url, segment_id=caption["id"], text="MCP!")
    draft_id = draft_url.split("draft_id=")[1]
    zip_url = (await call(session, "get_draft", draft_id=draft_id)).structured_content["zip_url"]
    copy = (await call(session, "import_draft", zip_url=zip_url)).structured_content
    assert copy["missing_materials"] == [] and len(copy["stored_files"]) == 2
    texts = [s["text"] for t in (await call(session, "list_segments", draft_url=copy["draft_url"])).structured_content[
        "tracks"] for s in t["segments"] if s["text"]]  # fmt: skip
    assert texts == ["MCP!"]

    failed = await session.call_tool("add_videos", {"draft_url": "https://nowhere/x?draft_id=bad", "video_infos": "[]"})
    assert failed.is_error and "INVALID_DRAFT_URL" in failed.content[0].text

    preview = await call(session, "gen_preview", draft_url=draft_url, time=1_000_000)
    block = preview.content[0]
    assert block.type == "image" and block.mime_type == "image/png"
    frame = np.asarray(Image.open(io.BytesIO(base64.b64decode(block.data))).convert("RGB")).astype(int)
    assert frame.shape == (240, 320, 3)
    assert abs(frame[120, 160] - (255, 0, 0)).max() < 40  # the photo in the middle
    assert abs(frame[20, 20] - (0, 0, 255)).max() < 40  # the video around it
    band = frame[150:220, 100:220]  # the caption: transform_y -80 puts it 40 px below the centre
    assert (band.min(axis=2) > 200).sum() > 20  # white text: neither the blue video nor the red photo

    submitted = await call(session, "gen_video", draft_url=draft_url)
    assert submitted.structured_content["status"] in ("pending", "processing")
    deadline = time.monotonic() + 240
    while True:
        status = (await call(session, "gen_video_status", draft_url=draft_url)).structured_content
        if status["status"] in ("completed", "failed") or time.monotonic() > deadline:
            break
        await anyio.sleep(0.3)
    assert status["status"] == "completed", status
    video = httpx.get(status["video_url"], headers={"authorization": f"Bearer {KEY}"}, timeout=60)
    assert video.status_code == 200
    with av.open(io.BytesIO(video.content)) as container:
        rendered = [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]
    assert len(rendered) == 60
    assert float(np.abs(rendered[30] - frame).mean()) <= 3  # the preview was that frame


def test_agent_over_streamable_http(tmp_path: Path, media_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, api_keys=[KEY])
    with servers.api_server(settings) as base_url:
        assert httpx.post(f"{base_url}/mcp", json={}).status_code == 401  # same keys as the REST API
        operations = rest_operations(base_url, {"authorization": f"Bearer {KEY}"})

        async def run() -> None:
            headers = {"authorization": f"Bearer {KEY}"}
            async with (
                httpx2.AsyncClient(headers=headers, timeout=120) as http,
                streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                await agent(session, media_url, operations)

        anyio.run(run)


def test_agent_over_stdio(tmp_path: Path, media_url: str) -> None:
    port = servers.free_port()
    env = {**os.environ, "CAPCUT_MATE_ALLOW_PRIVATE_URLS": "1", "CAPCUT_MATE_API_KEYS": KEY}
    args = ["-m", "capcut_mate", "mcp", "--data-dir", str(tmp_path / "data"), "--port", str(port)]
    parameters = StdioServerParameters(command=sys.executable, args=args, env=env)

    async def run() -> None:
        async with stdio_client(parameters) as (read, write), ClientSession(read, write) as session:
            await session.initialize()  # answered once the HTTP API beside it is up
            operations = rest_operations(f"http://127.0.0.1:{port}", {"authorization": f"Bearer {KEY}"})
            await agent(session, media_url, operations)

    anyio.run(run)


def test_tools_do_not_freeze_the_openapi_document(api: httpx.Client) -> None:
    """Tools are read from /openapi.json lazily: routes registered after the MCP mount stay documented."""
    assert "/healthz" in api.get("/openapi.json").json()["paths"]
