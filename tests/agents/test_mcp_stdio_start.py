"""`capcut-mate mcp` (stdio) as a desktop app starts it: beside a service already on port 30000, against that
service with --api-url, in English with --lang en, and with a clear stderr line when it cannot start."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from capcut_mate.config import Settings
from tests import servers

ENV = {**os.environ, "CAPCUT_MATE_ALLOW_PRIVATE_URLS": "1"}


@contextmanager
def port_30000_taken() -> Iterator[None]:
    """Port 30000 busy for the block: held here, or already held by a running service."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", 30000))
        sock.listen()
    except OSError:
        pass  # someone's `capcut-mate serve` has it: busy either way
    try:
        yield
    finally:
        sock.close()


def session_run(args: list[str], body: Any, env: dict[str, str] | None = None) -> Any:
    parameters = StdioServerParameters(command=sys.executable, args=["-m", "capcut_mate", "mcp", *args], env=env or ENV)
    out: list[Any] = []

    async def run() -> None:
        async with stdio_client(parameters) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            out.append(await body(session))

    anyio.run(run)
    return out[0]


def test_it_starts_while_port_30000_is_busy(tmp_path: Path) -> None:
    async def body(session: ClientSession) -> Any:
        return await session.call_tool("create_draft", {"width": 320, "height": 240})

    with port_30000_taken():
        result = session_run(["--data-dir", str(tmp_path / "data")], body)
    assert not result.is_error and "draft_id=" in result.structured_content["draft_url"]


def test_api_url_uses_the_running_service_and_lang_en_speaks_english(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "served", allow_private_urls=True)

    async def body(session: ClientSession) -> Any:
        made = await session.call_tool("create_draft", {"width": "320", "height": 240})
        refused = await session.call_tool("create_draft", {"width": "wide"})
        return made, refused

    with servers.api_server(settings) as base:
        made, refused = session_run(["--api-url", base, "--lang", "en", "--data-dir", str(tmp_path / "unused")], body)
    answer = made.structured_content
    assert answer["message"] == "Success" and answer["draft_url"].startswith(base)
    assert answer["warnings"][0]["code"] == "STRING_AS_NUMBER" and "JSON number" in answer["warnings"][0]["message"]
    draft_id = answer["draft_url"].split("draft_id=")[1]
    assert (tmp_path / "served" / "drafts" / draft_id / "draft_content.json").is_file()
    assert not (tmp_path / "unused").exists()  # no service of its own
    assert refused.is_error and "Request validation failed" in refused.content[0].text


def test_lang_from_the_environment(tmp_path: Path) -> None:
    async def body(session: ClientSession) -> Any:
        return await session.call_tool("create_draft", {"width": "wide"})

    english = session_run(["--data-dir", str(tmp_path / "d")], body, {**ENV, "CAPCUT_MATE_LANG": "en"})
    chinese = session_run(["--data-dir", str(tmp_path / "d")], body)
    assert "Request validation failed" in english.content[0].text
    assert "请求参数验证失败" in chinese.content[0].text


@pytest.mark.parametrize("case", ["busy port", "no service", "bad lang"])
def test_a_start_that_fails_says_why_on_stderr(tmp_path: Path, case: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = {
            "busy port": ["--port", str(port)],
            "no service": ["--api-url", f"http://127.0.0.1:{servers.free_port()}"],
            "bad lang": ["--lang", "fr"],
        }[case]
        done = subprocess.run(
            [sys.executable, "-m", "capcut_mate", "mcp", "--data-dir", str(tmp_path / "d"), *args],
            input=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}) + "\n",
            capture_output=True, text=True, env=ENV, timeout=120,
        )  # fmt: skip
    assert done.returncode != 0 and done.stdout == ""
    expected = {"busy port": "cannot listen", "no service": "no capcut-mate service answers", "bad lang": "zh or en"}
    assert expected[case] in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_the_printed_config_works_as_pasted(tmp_path: Path) -> None:
    """`capcut-mate mcp-config` prints absolute paths; started exactly so, with a desktop app's bare PATH
    (no venv on it), the server answers. The README shows that shape and how to print it."""
    script = Path(sys.executable).parent / "capcut-mate"
    printed = subprocess.run([str(script), "mcp-config", "--data-dir", str(tmp_path / "data")], capture_output=True,
                             text=True, check=True, env={"PATH": "/usr/bin:/bin"})  # fmt: skip
    (entry,) = json.loads(printed.stdout)["mcpServers"].values()
    assert Path(entry["command"]).is_absolute() and Path(entry["command"]).is_file()
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    parameters = StdioServerParameters(command=entry["command"], args=entry["args"], env=bare)
    names: list[str] = []

    async def run() -> None:
        async with stdio_client(parameters) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            names.extend(tool.name for tool in (await session.list_tools()).tools)

    anyio.run(run)
    assert {"create_draft", "gen_video", "gen_video_status"} <= set(names)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "make -s mcp-config" in readme
    pasted = [json.loads(line) for line in readme.splitlines() if line.startswith('  {"mcpServers"')]
    assert pasted and all(Path(e["command"]).is_absolute() for p in pasted for e in p["mcpServers"].values())
