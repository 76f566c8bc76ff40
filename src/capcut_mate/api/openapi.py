"""/openapi.json as the service really answers: the error envelope with each operation's codes and statuses.

FastAPI documents a 422 `{"detail": [...]}` on every operation that the error handlers never send. This
replaces it with what `api.errors` does send, per operation: the envelope schema narrowed to the codes
that operation can answer, grouped by HTTP status. It also states the draft_url / draft_id shapes that
`drafts.ids` enforces (as documentation only: validating them in the schema would answer the wrong code).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from capcut_mate.drafts.ids import DRAFT_URL_PATTERN
from capcut_mate.errors import KINDS

HEALTH_PATHS = {"/healthz", "/readyz"}
DRAFT_ID_PATTERN = r"^[0-9]{14}[0-9a-f]{6,18}$"
MEDIA_OPERATIONS = {"add_videos", "add_images", "add_audios", "get_audio_duration", "audio_timelines"}
MEDIA_OPERATIONS |= {"easy_create_material", "replace_material"}
SEGMENT_OPERATIONS = {"add_keyframes", "add_masks", "add_effects", "add_filters", "replace_text"}
DOWNLOAD_CODES = ("MEDIA_URL_FORBIDDEN", "MEDIA_DOWNLOAD_FAILED", "MEDIA_TOO_LARGE")
MEDIA_CODES = (*DOWNLOAD_CODES, "UNSUPPORTED_MEDIA")
TEXT_DOWNLOAD_OPERATIONS = {"add_captions"}  # an SRT file given by URL
FONT_OPERATIONS = {"add_font", "add_captions"}  # a font file given by URL
OWN_CODES = {  # codes of one operation alone
    "replace_material": {"MATERIAL_NOT_FOUND", "MEDIA_TOO_SHORT"},
    "add_narration": {
        "TTS_ENGINE_UNKNOWN",
        "TTS_VOICE_UNKNOWN",
        "TTS_REJECTED",
        "TTS_UNAVAILABLE",
        "NARRATION_TOO_LONG",
    },
    "import_draft": {"ZIP_INVALID", "ZIP_UNSAFE", "ZIP_TOO_LARGE", "DRAFT_INVALID", "DRAFT_ENCRYPTED"}
    | {"MEDIA_URL_FORBIDDEN", "MEDIA_DOWNLOAD_FAILED"},
}


def _codes_for(name: str, path: str, operation: dict[str, Any], body_fields: set[str], auth: bool) -> set[str]:
    """The error codes one operation can answer, from what it takes and which family it belongs to."""
    params = {p["name"] for p in operation.get("parameters", [])}
    codes = {"INTERNAL_ERROR", "DISK_FULL"}  # a full disk can strike any request that writes (or logs a task)
    if "requestBody" in operation or params:
        codes.add("VALIDATION_ERROR")
    if "requestBody" in operation:
        codes.add("REQUEST_TOO_LARGE")
    if auth and not path.startswith("/files/") and path != "/healthz":
        codes.add("UNAUTHORIZED")
    takes_draft = bool({"draft_url", "draft_id"} & (body_fields | params)) or path.startswith("/files/drafts/")
    if path.startswith("/files/"):
        codes.add("NOT_FOUND")
    if path not in HEALTH_PATHS:  # a database or bucket that is down (outages.py)
        codes |= {"DATABASE_UNAVAILABLE", "STORAGE_UNAVAILABLE"}
    if name == "gen_video_status":
        codes |= {"VIDEO_TASK_NOT_FOUND", "VIDEO_STATUS_QUERY_FAILED"}
    elif name == "gen_video_report":
        codes |= {"INVALID_DRAFT_URL", "VIDEO_TASK_NOT_FOUND", "VIDEO_STATUS_QUERY_FAILED"}
    elif name == "redeliver_callback":
        codes |= {"INVALID_DRAFT_URL", "VIDEO_TASK_NOT_FOUND", "VIDEO_STATUS_QUERY_FAILED", "CALLBACK_NOT_FOUND"}
    elif takes_draft:
        codes |= {"INVALID_DRAFT_URL", "DRAFT_NOT_FOUND"}
        if name == "gen_video":
            codes |= {"SERVICE_BUSY", "MEDIA_MISSING"}
        elif "draft_url" in body_fields:
            codes.add("DRAFT_BUSY")
    if name in MEDIA_OPERATIONS:
        codes.update(MEDIA_CODES)
    if name in TEXT_DOWNLOAD_OPERATIONS | FONT_OPERATIONS:
        codes.update(DOWNLOAD_CODES)
    if name in FONT_OPERATIONS:
        codes.add("UNSUPPORTED_FONT")
    if name == "gen_preview":
        codes |= {"PREVIEW_FAILED", "MEDIA_MISSING"}
    if name in SEGMENT_OPERATIONS:
        codes.add("SEGMENT_NOT_FOUND")
    return codes | OWN_CODES.get(name, set())


def _envelope(codes: Iterable[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string", "enum": sorted(codes)},
                    "message": {
                        "type": "string",
                        "description": "Chinese by default; English with Accept-Language: en",
                    },
                    "details": {
                        "type": "string",
                        "description": "What exactly was wrong: the field, the index, the URL",
                    },
                },
            }
        },
    }


def _error_responses(codes: set[str]) -> dict[str, Any]:
    by_status: dict[int, list[str]] = {}
    for code in sorted(codes):
        by_status.setdefault(KINDS[code].http_status, []).append(code)
    return {
        str(status): {
            "description": "; ".join(f"{code}: {KINDS[code].en}" for code in group),
            "content": {"application/json": {"schema": _envelope(group)}},
        }
        for status, group in sorted(by_status.items())
    }


def _body_fields(spec: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    refs = [schema.get("$ref")] + [option.get("$ref") for option in schema.get("anyOf", [])]
    fields: set[str] = set()
    for ref in filter(None, refs):
        fields |= set(spec["components"]["schemas"][ref.rsplit("/", 1)[1]].get("properties", {}))
    return fields


def _document_draft_shapes(spec: dict[str, Any]) -> None:
    for schema in spec.get("components", {}).get("schemas", {}).values():
        prop = schema.get("properties", {}).get("draft_url")
        if prop is not None:
            prop["pattern"] = DRAFT_URL_PATTERN
    for item in spec["paths"].values():
        for operation in item.values():
            for param in operation.get("parameters", []):
                if param["name"] == "draft_id":
                    param["schema"]["pattern"] = DRAFT_ID_PATTERN
                elif param["name"] == "draft_url":
                    param["schema"]["pattern"] = DRAFT_URL_PATTERN


PYDANTIC_LIMITS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
LIMITS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems",
          "maxItems", "items")  # fmt: skip


def _visible_limits(node: Any) -> None:
    """Every limit where clients look. Pydantic leaves an optional field's `ge`/`le` as those raw names inside
    `anyOf` (not JSON Schema, so Coze and agents never see them): they become minimum/maximum (exclusive for
    gt/lt), and the one non-null option's limits are repeated on the property itself, beside the anyOf."""
    if isinstance(node, list):
        for item in node:
            _visible_limits(item)
        return
    if not isinstance(node, dict):
        return
    for raw, name in PYDANTIC_LIMITS.items():
        if raw in node and "type" in node and name not in node:
            node[name] = node.pop(raw)
    for name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        value = node.get(name)
        if node.get("type") == "integer" and isinstance(value, float) and value.is_integer():
            node[name] = int(value)
    for value in node.values():
        _visible_limits(value)
    options = [o for o in node.get("anyOf", []) if isinstance(o, dict) and o.get("type") != "null"]
    if len(options) == 1:
        for name in LIMITS:
            if name in options[0]:
                node.setdefault(name, options[0][name])


def install_openapi(app: FastAPI, *, auth: bool) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            for path, item in spec["paths"].items():
                for operation in item.values():
                    name = path.rsplit("/", 1)[1]
                    responses = operation.setdefault("responses", {})
                    responses.pop("422", None)
                    codes = _codes_for(name, path, operation, _body_fields(spec, operation), auth)
                    responses.update(_error_responses(codes))
            schemas = spec.get("components", {}).get("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            _document_draft_shapes(spec)
            _visible_limits(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    # FastAPI's documented way to customise the schema is to replace `app.openapi` on the instance, which its
    # annotations declare a method: the one ignore mypy needs here.
    app.openapi = openapi  # type: ignore[method-assign]
