"""gen_video, gen_video_status, gen_video_active_count and gen_video_report: render jobs over HTTP.

Handlers are sync (FastAPI runs them in its thread pool) and only touch the task store: renders run in workers,
so a status query is one indexed SELECT and never waits on ffmpeg. Each request makes exactly one hop to
the thread pool (the handler): the Services dependency is async and responses skip model validation, since
under CPU contention (renders on every core) every extra hop waits for the OS to schedule a thread.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from capcut_mate.api.deps import services
from capcut_mate.api.errors import outage_error, request_lang
from capcut_mate.api.responses import ok, public_url
from capcut_mate.api.schemas_render import RenderChoices
from capcut_mate.drafts.ids import draft_id_from_url
from capcut_mate.errors import ApiError, clip
from capcut_mate.jobs.resolver import require_media
from capcut_mate.media.urlpolicy import UrlForbidden, check_url
from capcut_mate.persistence.tasks import Task
from capcut_mate.services import Services

log = logging.getLogger(__name__)
router = APIRouter(tags=["render jobs"])

_SUBMITTED = {
    "zh": "视频生成任务已提交,请使用draft_url查询进度",
    "en": "Video generation task submitted; poll gen_video_status with the draft_url",
}
_ALREADY = {
    "zh": "该草稿的视频生成任务已在进行中,请使用draft_url查询进度",
    "en": "A video generation task for this draft is already pending or processing; poll gen_video_status",
}


class GenVideoRequest(RenderChoices):
    draft_url: str = Field(..., description="The draft_url returned by create_draft")
    callback_url: str | None = Field(None, description="Receives a POST with the final status fields")
    apiKey: str | None = Field(None, description="Accepted for compatibility and ignored")


class GenVideoStatusRequest(BaseModel):
    draft_url: str = Field(..., description="The same draft_url given to gen_video")


class CallbackDelivery(BaseModel):
    state: Literal["pending", "delivered", "failed"] = Field(
        description="pending: being retried with back-off (CAPCUT_MATE_CALLBACK_MAX_AGE, 24 h by default)"
    )
    attempts: int
    last_error: str = Field(description="`HTTP <status>`, `no answer` or `refused` of the last failed attempt")
    next_attempt_at: str | None = Field(description="When it is tried next (pending only)")
    finished_at: str | None = Field(description="When it was delivered or given up")


class VideoStatus(BaseModel):
    """For the docs only: handlers return the dict unvalidated (see the module docstring)."""

    draft_url: str
    status: Literal["pending", "processing", "completed", "failed"]
    progress: int = Field(description="0 pending; 10..90 processing by stage; 100 completed; 0 failed")
    video_url: str = Field(description="Download URL when completed, else empty")
    error_message: str = Field(description="What went wrong and what to fix when failed, else empty")
    created_at: str = Field(description="ISO-8601 UTC with milliseconds and Z")
    started_at: str | None
    completed_at: str | None
    cover_url: str | None = Field(
        None, description="Only for a render submitted with `cover`: the poster frame JPEG, '' until completed"
    )
    callback_delivery: CallbackDelivery | None = Field(
        None, description="Only for a task submitted with a callback_url: what became of its POST (null until sent)"
    )


class RedeliverRequest(BaseModel):
    draft_url: str = Field(..., description="The draft_url given to gen_video with a callback_url")


def _callback_url(svc: Services, url: str | None) -> str | None:
    if not url or not url.strip():
        return None
    try:
        check_url(url.strip(), svc.settings.allow_private_urls)
    except UrlForbidden as exc:
        raise ApiError("VALIDATION_ERROR", f"callback_url: {clip(url.strip())}: {exc}") from None
    return url.strip()


def _task_for(svc: Services, draft_url: str, *, seed_codes: bool = False) -> Task:
    """The draft's latest task. With `seed_codes` (gen_video_status) a malformed draft_url is the seed's
    VALIDATION_ERROR; everywhere else it is INVALID_DRAFT_URL, as on every other endpoint."""
    try:
        draft_id = draft_id_from_url(draft_url)
    except ApiError as exc:
        if not seed_codes:
            raise
        raise ApiError("VALIDATION_ERROR", f"draft_url: {exc.details}") from exc
    try:
        task = svc.tasks.latest(draft_id)
    except Exception as exc:
        if (outage := outage_error(exc)) is not None:
            raise outage from exc
        log.exception("reading the render task of draft %s failed", draft_id)
        raise ApiError("VIDEO_STATUS_QUERY_FAILED", f"系统内部错误 ({type(exc).__name__})") from exc
    if task is None:
        raise ApiError("VIDEO_TASK_NOT_FOUND", f"指定的草稿URL没有对应的视频生成任务 (draft_id {draft_id})")
    return task


@router.post("/gen_video", summary="Submit a render of the draft (one active render per draft)", response_model=None)
def gen_video(request: Request, body: GenVideoRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    svc.drafts.require(draft_id)
    callback = _callback_url(svc, body.callback_url)
    with tempfile.TemporaryDirectory(prefix="media-check-", dir=svc.settings.tmp_dir) as scratch:
        require_media(svc.drafts, draft_id, Path(scratch))
    task, created = svc.submit_render(draft_id, body.draft_url.strip(), callback, body.output_choice() or None)
    lang = request_lang(request)
    message = (_SUBMITTED if created else _ALREADY)[lang]
    return ok(request, message=message, **task.status_fields(svc.video_url(task, public_url(request)), lang))


@router.post(
    "/gen_video_status",
    summary="Status and progress of the draft's latest render (the seed's fields)",
    response_model=None,
    responses={200: {"model": VideoStatus, "description": "Exactly the seed's fields"}},
)
def gen_video_status(
    request: Request, body: GenVideoStatusRequest, svc: Services = Depends(services)
) -> dict[str, Any]:
    task = _task_for(svc, body.draft_url, seed_codes=True)
    base = public_url(request)
    return {
        **svc.status_fields(task, base, request_lang(request)),
        **_delivery(svc, task),
    }


def _delivery(svc: Services, task: Task) -> dict[str, Any]:
    """`callback_delivery` for a task with a callback_url; nothing for the others (the seed's fields alone)."""
    return {"callback_delivery": svc.tasks.outbox().state(task.task_id)} if task.callback_url else {}


@router.get("/gen_video_active_count", summary="How many render tasks are pending or processing", response_model=None)
def gen_video_active_count(request: Request, svc: Services = Depends(services)) -> dict[str, Any]:
    return ok(request, count=svc.tasks.active_count())


@router.get(
    "/gen_video_report",
    summary="The latest render's report (warnings, timings) and its history",
    response_model=None,
)
def gen_video_report(
    request: Request,
    draft_url: str = Query(..., description="The draft_url given to gen_video"),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    task = _task_for(svc, draft_url)
    return ok(
        request,
        draft_url=task.draft_url,
        status=task.status,
        attempts=task.attempts,
        error_code=task.error_code,
        report=task.report,
        events=svc.tasks.events(task.task_id),
        **_delivery(svc, task),
    )


@router.post(
    "/redeliver_callback",
    summary="Send the latest render's callback again (after the receiver was down past the retry window)",
    response_model=None,
)
def redeliver_callback(request: Request, body: RedeliverRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    task = _task_for(svc, body.draft_url)
    if not task.callback_url or not svc.tasks.outbox().redeliver(task.task_id):
        why = "has no callback_url" if not task.callback_url else f"is {task.status}: its callback is sent when it ends"
        raise ApiError("CALLBACK_NOT_FOUND", f"the latest render task of this draft {why}")
    svc.tasks.note(task.task_id, "callback redelivery requested")
    return ok(request, callback_delivery=svc.tasks.outbox().state(task.task_id))
