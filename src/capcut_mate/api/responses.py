"""Success bodies: the reference's flat fields plus `code: 0` and a localised `message`, for migrating clients;
and the base of the URLs they hand out."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from capcut_mate.api.errors import request_lang


def public_url(request: Request) -> str:
    """CAPCUT_MATE_PUBLIC_URL when set, else the base the client reached us at (never a guessed address)."""
    configured: str | None = request.app.state.services.settings.public_url
    return configured or str(request.base_url).rstrip("/")


def ok(request: Request, **fields: Any) -> dict[str, Any]:
    message = "Success" if request_lang(request) == "en" else "成功"
    return {"code": 0, "message": message, **fields}
