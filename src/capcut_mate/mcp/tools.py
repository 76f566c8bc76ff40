"""MCP tools generated from the REST API's own OpenAPI document, and tool calls answered by the REST API.

One source of truth: every operation under the API prefix is a tool with the route's name (its last path
segment), its summary and description, and the JSON schema of its request model (or query parameters).
A call is an HTTP request to the same app, so results are the REST answers byte for byte: JSON bodies as
text plus structured content, PNGs (gen_preview) as image blocks, error envelopes as tool errors.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from typing import Any

import httpx
import mcp.types as types

from capcut_mate.drafts.ids import API_PREFIX

_REF = "#/components/schemas/"


@dataclass(frozen=True)
class Operation:
    """One REST operation as a tool."""

    name: str
    method: str
    path: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool

    def tool(self) -> types.Tool:
        hints = types.ToolAnnotations(read_only_hint=self.read_only, destructive_hint=False, open_world_hint=False)
        return types.Tool(
            name=self.name, description=self.description, input_schema=self.input_schema, annotations=hints
        )


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every API operation of an OpenAPI `document` (our app's, or a running service's), in its order."""
    components = document.get("components", {}).get("schemas", {})
    found = []
    for path, methods in document["paths"].items():
        if not path.startswith(API_PREFIX + "/"):
            continue
        for method, operation in methods.items():
            name = path.rsplit("/", 1)[1]
            text = "\n\n".join(part for part in (operation.get("summary"), operation.get("description")) if part)
            schema = _input_schema(operation, components)
            read_only = method == "get" or name.startswith(
                ("get_", "gen_video_status", "gen_preview", "search", "list_")
            )
            found.append(Operation(name, method, path, text, schema, read_only))
    return found


def _input_schema(operation: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is None:
        properties, required = {}, []
        for parameter in operation.get("parameters", []):
            prop = dict(parameter.get("schema", {}))
            if parameter.get("description"):
                prop["description"] = parameter["description"]
            properties[parameter["name"]] = prop
            if parameter.get("required"):
                required.append(parameter["name"])
        return {"type": "object", "properties": properties, "required": required}
    options = [option for option in body.get("anyOf", [body]) if option.get("type") != "null"]
    schema = copy.deepcopy(components[options[0]["$ref"][len(_REF) :]] if "$ref" in options[0] else options[0])
    defs: dict[str, Any] = {}
    pending = _refs(schema)
    while pending:
        name = pending.pop()
        if name not in defs:
            defs[name] = copy.deepcopy(components[name])
            pending |= _refs(defs[name])
    if defs:
        schema["$defs"] = defs
    schema.setdefault("type", "object")
    local: dict[str, Any] = json.loads(json.dumps(schema).replace(_REF, "#/$defs/"))
    return local


def _refs(schema: Any) -> set[str]:
    text = json.dumps(schema)
    names = set()
    for part in text.split(f'"$ref": "{_REF}')[1:]:
        names.add(part.split('"', 1)[0])
    return names


async def call(operation: Operation, arguments: dict[str, Any], client: httpx.AsyncClient) -> types.CallToolResult:
    """Send the tool's arguments to its REST operation and shape the answer as an MCP tool result."""
    if operation.method == "get":
        response = await client.get(operation.path, params=arguments)
    else:
        response = await client.request(operation.method.upper(), operation.path, json=arguments)
    kind = response.headers.get("content-type", "")
    if kind.startswith("image/"):
        image = types.ImageContent(
            type="image", data=base64.b64encode(response.content).decode("ascii"), mime_type=kind.split(";")[0]
        )
        frames = response.headers.get("x-preview-frames", "")
        return types.CallToolResult(content=[image, types.TextContent(type="text", text=f"frames: {frames}")])
    try:
        body = response.json()
    except ValueError:
        body = {"error": {"code": "INTERNAL_ERROR", "message": response.text[:500], "details": ""}}
    text = types.TextContent(type="text", text=json.dumps(body, ensure_ascii=False))
    if response.is_error:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        summary = f"{error.get('code', response.status_code)}: {error.get('message', '')} {error.get('details', '')}"
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=summary.strip()), text], structured_content=body, is_error=True
        )
    return types.CallToolResult(content=[text], structured_content=body if isinstance(body, dict) else {"result": body})
