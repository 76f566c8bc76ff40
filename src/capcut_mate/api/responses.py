"""Success bodies: the reference's flat fields plus `code: 0` and a localised `message`, for migrating clients."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from capcut_mate.api.errors import request_lang


def ok(request: Request, **fields: Any) -> dict[str, Any]:
    message = "Success" if request_lang(request) == "en" else "成功"
    return {"code": 0, "message": message, **fields}
