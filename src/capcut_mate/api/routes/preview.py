"""gen_preview: one PNG frame of a draft as the render would draw it, or a storyboard of several."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from capcut_mate.api.deps import services
from capcut_mate.api.schemas import DRAFT_URL
from capcut_mate.drafts.ids import draft_id_from_url
from capcut_mate.errors import ApiError
from capcut_mate.jobs.resolver import missing_media, missing_media_error, service_resolver
from capcut_mate.jsontypes import Int
from capcut_mate.render import RenderError, RenderOptions, load_draft
from capcut_mate.render.preview import MAX_STORYBOARD_FRAMES, preview_png
from capcut_mate.services import Services

router = APIRouter(tags=["preview"])


class GenPreviewRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"draft_url": DRAFT_URL, "time": 3_500_000}, {"draft_url": DRAFT_URL,
                           "times": [0, 2_000_000, 4_000_000, 6_000_000], "width": 270}]}
    )  # fmt: skip

    draft_url: str = Field(..., description="The draft_url returned by create_draft")
    time: Int | None = Field(None, ge=0, description="Timeline time of the frame in µs (past the end: last frame)")
    times: list[Int] | None = Field(
        None,
        min_length=1,
        max_length=MAX_STORYBOARD_FRAMES,
        description=f"Storyboard: up to {MAX_STORYBOARD_FRAMES} times in µs, drawn in a grid with their timestamps",
    )
    width: Int | None = Field(
        None, ge=16, le=4096, description="Frame width in px (aspect kept; default the canvas, 360 per storyboard tile)"
    )

    @model_validator(mode="after")
    def _one_of(self) -> GenPreviewRequest:
        if (self.time is None) == (self.times is None):
            raise ValueError("give either time (one frame) or times (a storyboard)")
        if self.times is not None and min(self.times) < 0:
            raise ValueError("times must be >= 0")
        return self


@router.post(
    "/gen_preview",
    summary="A PNG frame of the draft at `time` exactly as gen_video would render it (or a storyboard for `times`)",
    description="Cheap enough to call after every edit: only what is on screen at the frame is prepared and "
    "drawn. Answers image/png; `X-Preview-Frames` lists the output frame numbers drawn.",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The frame or storyboard as PNG"}},
)
def gen_preview(body: GenPreviewRequest, svc: Services = Depends(services)) -> Response:
    draft_id = svc.drafts.require(draft_id_from_url(body.draft_url))
    settings = svc.settings
    options = RenderOptions(
        ffmpeg=settings.ffmpeg,
        font_dir=settings.font_dir,
        system_fonts=settings.system_fonts,
        work_dir=settings.tmp_dir,
    )
    scratch = Path(tempfile.mkdtemp(prefix="preview-", dir=settings.tmp_dir))
    try:
        # The draft folder itself on local disk; from a bucket, fetched (through the worker cache) into scratch.
        folder = svc.drafts.checkout(draft_id, scratch / "draft")
        draft, draft_dir = load_draft(folder)
        missing_media_error(missing_media(draft, draft_dir))
        times = body.times if body.times is not None else [body.time or 0]
        png, frames = preview_png(
            draft, service_resolver(draft, draft_dir), times, body.times is not None, body.width, options
        )
    except RenderError as exc:
        raise ApiError("PREVIEW_FAILED", f"{exc.code}: {exc.message}") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    headers = {"X-Preview-Frames": ",".join(str(frame.frame) for frame in frames)}
    return Response(png, media_type="image/png", headers=headers)
