"""An agent narrates a script with the add_narration tool alone, over the MCP endpoint (the SDK's client)."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from capcut_mate.config import Settings
from tests import servers


def test_the_narration_tool_is_listed_and_narrates(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with servers.api_server(settings) as base_url:

        async def run() -> None:
            async with (
                httpx2.AsyncClient(timeout=120) as http,
                streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                tools = {tool.name: tool for tool in (await session.list_tools()).tools}
                schema = tools["add_narration"].input_schema
                assert {"text", "sentences", "engine", "voice", "word_highlight", "font_size"} <= set(
                    schema["properties"]
                )
                assert not tools["add_narration"].annotations.read_only_hint
                created = await session.call_tool("create_draft", {"width": 1080, "height": 1920})
                draft_url = created.structured_content["draft_url"]
                result = await session.call_tool(
                    "add_narration", {"draft_url": draft_url, "text": "你好。Hello!", "word_highlight": "#ffd400"}
                )
                assert not result.is_error, result.content
                answer = result.structured_content
                assert [s["text"] for s in answer["sentences"]] == ["你好。", "Hello!"]
                assert answer["words_estimated"] is True and answer["caption_track_id"]
                failed = await session.call_tool("add_narration", {"draft_url": draft_url, "text": "hi", "voice": "x"})
                assert failed.is_error and "TTS_VOICE_UNKNOWN" in failed.content[0].text

        anyio.run(run)
