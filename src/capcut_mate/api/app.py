"""The FastAPI application: routers under /openapi/capcut-mate/v1, file downloads, health, auth, errors.

/healthz says the process is alive; /readyz whether it can serve: it asks the database and the storage,
names the one that is down and answers 503 (a load balancer takes the instance out until it recovers).
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from capcut_mate import __version__
from capcut_mate.api.errors import error_response, install_error_handlers
from capcut_mate.api.guard import GuardMiddleware
from capcut_mate.api.name_warnings import NameWarnings
from capcut_mate.api.openapi import install_openapi
from capcut_mate.api.routes import (
    catalogues,
    drafts,
    editing,
    files,
    helpers,
    jobs,
    names,
    narration,
    preview,
    template,
)
from capcut_mate.config import Settings
from capcut_mate.console import install_console, is_open_console_path
from capcut_mate.drafts.ids import API_PREFIX
from capcut_mate.errors import RETRY_AFTER_S, ApiError
from capcut_mate.mcp.http import mount_mcp
from capcut_mate.services import Services

OPEN_PATHS = ("/healthz", "/readyz", "/files/", "/docs", "/redoc", "/openapi.json")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    svc = Services.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await anyio.to_thread.run_sync(svc.start_in_process_workers) if settings.in_process_workers else None
        try:
            async with mcp_running():
                yield
        finally:
            if pool is not None:
                await anyio.to_thread.run_sync(pool.stop)
            await anyio.to_thread.run_sync(svc.close)

    app = FastAPIOffline(  # /docs and /redoc with their assets served from the package: no CDN, works offline
        title="capcut-mate",
        version=__version__,
        description="Build CapCut/JianYing drafts over HTTP and render them to MP4 headlessly.",
        lifespan=lifespan,
        static_url="/docs/static",
    )
    app.state.services = svc
    install_error_handlers(app)
    app.add_middleware(NameWarnings, strict=settings.strict_names)
    if settings.api_keys:
        _install_auth(app, settings.api_keys)
    app.include_router(drafts.router, prefix=API_PREFIX)
    app.include_router(jobs.router, prefix=API_PREFIX)
    for router in (editing.router, narration.router, template.router, catalogues.router, names.router, helpers.router,
                   preview.router):  # fmt: skip
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(files.router)
    install_console(app)
    mcp_running = mount_mcp(app, settings.api_keys)  # after the routers: its tools are their operations
    install_openapi(app, auth=bool(settings.api_keys))
    uploads = {template.IMPORT_PATH: (settings.max_import_bytes, "CAPCUT_MATE_MAX_IMPORT_BYTES")}
    # last added = outermost
    app.add_middleware(GuardMiddleware, max_body_bytes=settings.max_body_bytes, path_limits=uploads)

    @app.get("/healthz", tags=["health"], summary="Liveness and version")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="Readiness: whether the database and the storage answer (503 + Retry-After when one does not)",
        response_model=None,
        description="200 `{status: ready, checks: {database: ok, storage: ok}}`; 503 with Retry-After and "
        "`{status: unavailable, checks: {database: 'unavailable: <error type>', ...}}` naming what is down",
    )
    def readyz() -> JSONResponse:
        checks = readiness(svc)
        ready = all(state == "ok" for state in checks.values())
        body = {"status": "ready" if ready else "unavailable", "checks": checks, "version": __version__}
        headers = None if ready else {"Retry-After": str(RETRY_AFTER_S)}
        return JSONResponse(body, status_code=200 if ready else 503, headers=headers)

    return app


def readiness(svc: Services) -> dict[str, str]:
    """`ok` or `unavailable: <why>` for each dependency, each answering within its bounded timeout."""
    checks: dict[str, str] = {}
    probes: dict[str, Callable[[], object]] = {
        "database": svc.tasks.ping,
        "storage": lambda: svc.storage.exists(".readyz"),
    }
    for name, probe in probes.items():
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"unavailable: {type(exc).__name__}"
    return checks


def _install_auth(app: FastAPI, keys: list[str]) -> None:
    """Bearer keys on every endpoint except health, docs and file downloads (URLs handed to clients)."""

    @app.middleware("http")
    async def require_key(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if not (path.startswith(OPEN_PATHS) or is_open_console_path(path)):
            header = request.headers.get("authorization", "")
            token = header[7:].strip() if header.lower().startswith("bearer ") else ""
            if not any(hmac.compare_digest(token, key) for key in keys):
                return error_response(request, ApiError("UNAUTHORIZED", "send Authorization: Bearer <key>"))
        return await call_next(request)
