"""Turns every failure into the seed's envelope `{"error": {"code", "message", "details"}}`.

Validation errors become 400 VALIDATION_ERROR with a precise `details` (field path and what is wrong);
unknown routes 404, wrong methods 405 (with Allow), a dependency that is down 503 with Retry-After
(`outage_error`, used by api.guard). Anything unexpected is answered by `api.guard`, which
keeps the connection open; a handler for `Exception` here would run in Starlette's outermost middleware,
which re-raises after answering and so makes uvicorn drop the keep-alive connection.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException as StarletteHTTPException

from capcut_mate.errors import RETRY_AFTER_S, UNAVAILABLE_CODES, ApiError, clip
from capcut_mate.outages import unavailable


def request_lang(request: Request) -> str:
    """`en` when Accept-Language starts with en, else `zh` (the reference's rule)."""
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].split(";")[0].split("-")[0].strip().lower()
    return "en" if first == "en" else "zh"


def error_response(request: Request, error: ApiError) -> JSONResponse:
    """The envelope; every 503 (busy, a dependency down) says when to come back."""
    headers = {"Retry-After": str(RETRY_AFTER_S)} if error.http_status == 503 else None
    return JSONResponse(error.body(request_lang(request)), status_code=error.http_status, headers=headers)


def outage_error(exc: BaseException) -> ApiError | None:
    """DATABASE_UNAVAILABLE / STORAGE_UNAVAILABLE when `exc` is a dependency being down, else None."""
    dependency = unavailable(exc)
    if dependency is None:
        return None
    return ApiError(UNAVAILABLE_CODES[dependency], f"{dependency}: {type(exc).__name__}; retry in a few seconds")


def describe_validation_errors(errors: Iterable[ErrorDetails]) -> str:
    """`field.path: message` for each pydantic error, joined with `; `."""
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        where = ".".join(loc) or "body"
        if err.get("type") == "json_invalid":
            where = "body"
        message = err.get("msg", "invalid")
        parts.append(f"{clip(where)}: {clip(message, 200)}")
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = describe_validation_errors(exc.errors())
        return error_response(request, ApiError("VALIDATION_ERROR", details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        path = clip(request.url.path)
        if exc.status_code == 404:
            error = ApiError("NOT_FOUND", f"no route {request.method} {path}")
        elif exc.status_code == 405:
            error = ApiError("METHOD_NOT_ALLOWED", f"{request.method} is not allowed on {path}")
        elif exc.status_code == 413:
            error = ApiError("REQUEST_TOO_LARGE", str(exc.detail))
        elif exc.status_code < 500:
            # FastAPI's own 400s: a body that is not UTF-8, a form it cannot parse. The client's mistake.
            error = ApiError("VALIDATION_ERROR", f"body: {exc.detail}", http_status=exc.status_code)
        else:
            error = ApiError("INTERNAL_ERROR", str(exc.detail), http_status=exc.status_code)
        response = error_response(request, error)
        response.headers.update(exc.headers or {})  # 405 carries Allow
        return response
