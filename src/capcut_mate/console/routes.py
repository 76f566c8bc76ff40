"""The console's HTTP face: page shells (open, no data), HTML fragments and a task event stream (both keyed).

Pages carry no data, so a browser can open them without an API key; everything a page shows comes from
the fragments and the stream, which the page's script fetches with the key the user typed (kept in the
browser session). Drafts and tasks are read only through the stores on Services, and renders are
submitted through the public gen_video endpoint by the script: the console has no logic of its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, get_args

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from fastapi.templating import Jinja2Templates

from capcut_mate.api.deps import services
from capcut_mate.api.errors import request_lang
from capcut_mate.api.responses import public_url
from capcut_mate.console.messages import translator
from capcut_mate.console.timeline import seconds_label, timeline
from capcut_mate.drafts.ids import API_PREFIX, draft_url_for, validate_draft_id
from capcut_mate.persistence.tasks import Task
from capcut_mate.render.formats import Format, Quality, Resolution
from capcut_mate.services import Services

HERE = Path(__file__).parent
STATIC_URL = "/console/static"
# Reachable without a key: the shells and their static files (nothing in them comes from the data)
OPEN_PAGES = frozenset({"/", "/console", "/console/draft"})
OPEN_PREFIX = f"{STATIC_URL}/"
LIST_LIMIT = 50
TASK_LIMIT = 20
STREAM_INTERVAL_S = 0.25
STREAM_MAX_S = 3600.0
ACTIVE = ("pending", "processing")

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["seconds"] = seconds_label


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    lang = request_lang(request)
    return templates.TemplateResponse(
        request,
        name,
        {"t": translator(lang), "lang": lang, "static": STATIC_URL, "api_prefix": API_PREFIX, **context},
    )


def _task_view(request: Request, task: Task) -> dict[str, Any]:
    """The seed's status fields plus what the console needs to place and label them."""
    lang = request_lang(request)
    svc: Services = request.app.state.services
    fields = task.status_fields(svc.video_url(task, public_url(request)), lang)
    report = task.report or {}
    warnings = (report.get("warnings") or []) if task.status == "completed" else []
    label = translator(lang)(task.status)
    # The output choices the render was asked for: kept as {"options"} until the report says "requested".
    settings = report.get("requested") or report.get("options") or {}
    encoding = (report.get("encoding") or {}).get("video", "")
    return {**fields, "task_id": task.task_id, "draft_id": task.draft_id, "status_label": label, "warnings": warnings,
            "settings": settings, "encoding": encoding}  # fmt: skip


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/console")


@router.get("/console")
def list_page(request: Request) -> HTMLResponse:
    return _page(request, "list.html")


@router.get("/console/draft")
def draft_page(request: Request, id: str = Query(..., description="draft_id")) -> HTMLResponse:
    return _page(request, "draft.html", draft_id=validate_draft_id(id))


@router.get("/console/fragments/drafts")
def drafts_fragment(request: Request, q: str = "", svc: Services = Depends(services)) -> HTMLResponse:
    rows = []
    for entry in svc.drafts.recent(LIST_LIMIT, q.strip().lower()):  # draft ids are lowercase
        doc = svc.drafts.load(entry["draft_id"])
        counts: dict[str, int] = {}
        for track in doc.get("tracks") or []:
            counts[track.get("type", "")] = counts.get(track.get("type", ""), 0) + 1
        task = svc.tasks.latest(entry["draft_id"])
        rows.append({**entry, "duration_us": int(doc.get("duration") or 0), "counts": counts, "task": task})
    return _page(request, "_drafts.html", rows=rows)


@router.get("/console/fragments/tasks")
def tasks_fragment(request: Request, svc: Services = Depends(services)) -> HTMLResponse:
    return _page(request, "_tasks.html", tasks=[_task_view(request, task) for task in svc.tasks.recent(TASK_LIMIT)])


@router.get("/console/fragments/draft")
def draft_fragment(request: Request, id: str = Query(...), svc: Services = Depends(services)) -> HTMLResponse:
    draft_id = validate_draft_id(id)
    task = svc.tasks.latest(draft_id)
    view = _task_view(request, task) if task else None
    return _page(
        request,
        "_draft.html",
        draft_id=draft_id,
        draft_url=draft_url_for(public_url(request), draft_id),
        zip_url=f"{public_url(request)}/files/drafts/{draft_id}.zip",
        tl=timeline(svc.drafts.load(draft_id)),
        task=view,
        warned={w.get("segment_id"): w.get("message", "") for w in view["warnings"]} if view else {},
        selected={k: str(v) for k, v in view["settings"].items()} if view else {},  # the form keeps them
        choices={
            "resolution": get_args(Resolution),
            "fps": (24, 25, 30, 50, 60),
            "quality": get_args(Quality),
            "format": get_args(Format),
        },
    )


@router.get("/console/fragments/task")
def task_fragment(request: Request, id: str = Query(...), svc: Services = Depends(services)) -> HTMLResponse:
    task = svc.tasks.latest(validate_draft_id(id))
    return _page(request, "_task.html", task=_task_view(request, task) if task else None)


@router.get("/console/events")
async def task_events(
    request: Request, draft_id: str | None = None, svc: Services = Depends(services)
) -> StreamingResponse:
    """Server-sent events: one `task` event per change of a watched task; ends once none is active.

    Watched: the draft's latest task, or the recent tasks of every draft. One store query per interval for
    the whole page, however many bars it shows; the page reopens the stream when it submits a render.
    """
    if draft_id is not None:
        validate_draft_id(draft_id)

    def snapshot() -> list[Task]:
        if draft_id is not None:
            task = svc.tasks.latest(draft_id)
            return [task] if task else []
        return svc.tasks.recent(TASK_LIMIT)

    async def stream() -> AsyncIterator[str]:
        seen: dict[str, tuple[str, int]] = {}
        deadline = time.monotonic() + STREAM_MAX_S
        while time.monotonic() < deadline:
            tasks = await anyio.to_thread.run_sync(snapshot)
            for task in tasks:
                if seen.get(task.task_id) != (task.status, task.progress):
                    seen[task.task_id] = (task.status, task.progress)
                    yield f"event: task\ndata: {json.dumps(_task_view(request, task), ensure_ascii=False)}\n\n"
            if not any(task.status in ACTIVE for task in tasks):
                yield "event: idle\ndata: {}\n\n"
                return
            await anyio.sleep(STREAM_INTERVAL_S)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
