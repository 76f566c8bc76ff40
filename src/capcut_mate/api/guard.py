"""The outermost layer of our own: a request-body cap, and the envelope for anything unexpected.

A pure ASGI middleware rather than an exception handler: Starlette runs `Exception` handlers in its
ServerErrorMiddleware, which re-raises after answering, and uvicorn then closes the connection, so the
client's next keep-alive request fails with a reset. Answering here completes the request normally.
A dependency that is down (outages.py) is a 503 with Retry-After rather than a 500.
The body cap counts bytes as they arrive, so a chunked upload without Content-Length is stopped too.
A full disk is no bug of ours and no mistake of the client's: wherever it strikes (a download into the
cache, an unpacked import, a draft's save, SQLite), it is a 507 DISK_FULL that says so, as a render says it.
Each writer removes its own partial file, and a failed edit is rolled back, before the error gets here.
A few paths take larger bodies (import_draft's zip upload) under a cap of their own.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from capcut_mate.api.errors import error_response, outage_error
from capcut_mate.errors import ApiError
from capcut_mate.persistence.sqlite import is_disk_full

log = logging.getLogger(__name__)


class _BodyTooLarge(HTTPException):
    """An HTTPException so that FastAPI's body reader lets it through to the handlers (it maps others to 400)."""

    def __init__(self, limit: int, setting: str) -> None:
        super().__init__(413, f"the request body is over {limit} bytes ({setting})")


class GuardMiddleware:
    def __init__(
        self, app: ASGIApp, max_body_bytes: int, path_limits: dict[str, tuple[int, str]] | None = None
    ) -> None:
        """`path_limits`: path -> (cap, the setting that sets it), for the few routes that take uploads."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        limit, setting = self.path_limits.get(
            scope.get("path", ""), (self.max_body_bytes, "CAPCUT_MATE_MAX_BODY_BYTES")
        )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            too_large = _BodyTooLarge(limit, setting)
            await self._answer(scope, send, ApiError("REQUEST_TOO_LARGE", str(too_large.detail)))
            return
        started = False
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit, setting)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _BodyTooLarge as exc:
            if started:
                raise
            await self._answer(scope, send, ApiError("REQUEST_TOO_LARGE", str(exc.detail)))
        except Exception as exc:
            if started:
                raise  # half a response is out: only dropping the connection tells the client
            if is_disk_full(exc):
                log.warning("disk full on %s %s: %s", scope.get("method"), scope.get("path"), exc)
                details = "no space left on the server's disk; free disk space (or raise the volume) and retry"
                await self._answer(scope, send, ApiError("DISK_FULL", details))
                return
            outage = outage_error(exc)
            if outage is not None:
                log.warning("%s on %s %s: %r", outage.code, scope.get("method"), scope.get("path"), exc)
                await self._answer(scope, send, outage)
                return
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            await self._answer(scope, send, ApiError("INTERNAL_ERROR", "unexpected error; it has been logged"))

    @staticmethod
    async def _answer(scope: Scope, send: Send, error: ApiError) -> None:
        await error_response(Request(scope), error)(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
