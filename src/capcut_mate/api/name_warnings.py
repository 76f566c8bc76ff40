"""Unknown names become `warnings` on the 200 answer: an ASGI middleware around every API request.

The drafts layer records what it left out (drafts.names); this adds the list to the JSON body, so no route
has to thread warnings through by hand. Only successful JSON answers with something to say are rewritten.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from capcut_mate.api.errors import request_lang
from capcut_mate.drafts import names


class NameWarnings:
    def __init__(self, app: ASGIApp, strict: bool) -> None:
        self.app = app
        self.strict = strict

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {}
        chunks: list[bytes] = []
        with names.collect(self.strict) as warnings:

            async def send_with_warnings(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = dict(message.get("headers", []))
                    is_json = headers.get(b"content-type", b"").startswith(b"application/json")
                    if warnings and message["status"] == 200 and is_json:
                        held["start"] = message
                        return
                elif message["type"] == "http.response.body" and "start" in held:
                    chunks.append(message.get("body", b""))
                    if message.get("more_body"):
                        return
                    localised = _localise(warnings, request_lang(Request(scope)))
                    await _send_json(send, held["start"], b"".join(chunks), localised)
                    return
                await send(message)

            await self.app(scope, receive, send_with_warnings)


def _localise(warnings: list[dict[str, str]], lang: str) -> list[dict[str, str]]:
    """The Chinese message where a warning has one, unless the client asked for English."""
    out = []
    for warning in warnings:
        entry = {k: v for k, v in warning.items() if k != "message_zh"}
        if lang != "en" and "message_zh" in warning:
            entry["message"] = warning["message_zh"]
        out.append(entry)
    return out


async def _send_json(send: Send, start: Message, body: bytes, warnings: list[dict[str, str]]) -> None:
    document = json.loads(body)
    if isinstance(document, dict):
        document["warnings"] = document.get("warnings", []) + warnings
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode("ascii")))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})
