"""The web console: drafts, a timeline with a playhead, renders with live progress, served by the service.

Server-rendered HTML (Jinja2) plus one small script of our own; the static files ship inside the package,
so the console works offline and needs no build step.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from capcut_mate.console.routes import HERE, OPEN_PAGES, OPEN_PREFIX, STATIC_URL, router


def install_console(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="console-static")


def is_open_console_path(path: str) -> bool:
    """The console's pages and static files need no key: they hold no data (see routes)."""
    return path in OPEN_PAGES or path.startswith(OPEN_PREFIX)
