"""create_draft, get_draft, save_draft and the add_* endpoints that fill a draft with media, captions and fonts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request

from capcut_mate.api.deps import services
from capcut_mate.api.responses import ok, public_url
from capcut_mate.api.schemas import (
    AddAudiosRequest,
    AddCaptionsRequest,
    AddFontRequest,
    AddImagesRequest,
    AddVideosRequest,
    AudioDurationRequest,
    CreateDraftRequest,
    DraftRef,
    VisualPlacement,
)
from capcut_mate.drafts import editing
from capcut_mate.drafts.assets import fetch_media, placing
from capcut_mate.drafts.ids import draft_id_from_url, draft_url_for, validate_draft_id
from capcut_mate.drafts.items import AudioInfo, CaptionInfo, ImageInfo, VideoInfo, parse_items
from capcut_mate.drafts.subtitles import decode_subtitles, parse_subtitles
from capcut_mate.errors import ApiError, clip
from capcut_mate.media.download import fetch_text
from capcut_mate.media.font_file import fetch_font
from capcut_mate.services import Services

router = APIRouter(tags=["drafts"])

TIP_URL = "https://github.com/capcut-mate#readme"


def file_url(request: Request, draft_id: str, relative: str) -> str:
    return f"{public_url(request)}/files/drafts/{draft_id}/{relative}"


@router.post("/create_draft", summary="Create an empty draft with the given canvas")
def create_draft(
    request: Request,
    body: CreateDraftRequest = Body(default_factory=CreateDraftRequest),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    """No body means the defaults; a body, if sent, is an object (not `null`)."""
    draft_id = svc.drafts.create(body.width, body.height, body.app)
    return ok(request, draft_url=draft_url_for(public_url(request), draft_id), draft_id=draft_id, tip_url=TIP_URL)


@router.get("/get_draft", summary="List download URLs for every file of the draft folder")
def get_draft(
    request: Request,
    draft_id: str = Query(..., description="The draft_id query parameter of the draft_url"),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    validate_draft_id(draft_id)
    files = [file_url(request, draft_id, relative) for relative in svc.drafts.files(draft_id)]
    zip_url = f"{public_url(request)}/files/drafts/{draft_id}.zip"
    return ok(request, draft_url=draft_url_for(public_url(request), draft_id), files=files, zip_url=zip_url)


@router.post("/save_draft", summary="Persist the draft (every add_* already saves; kept for compatibility)")
def save_draft(request: Request, body: DraftRef, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    with svc.drafts.edit(draft_id):
        pass
    return ok(request, draft_url=draft_url_for(public_url(request), draft_id))


def _added(request: Request, svc: Services, draft_id: str, result: editing.AddResult, ids_field: str) -> dict[str, Any]:
    return ok(
        request,
        draft_url=draft_url_for(public_url(request), draft_id),
        track_id=result.track_id,
        **{ids_field: result.material_ids},
        segment_ids=result.segment_ids,
        segment_infos=result.segment_infos,
    )


@router.post("/add_videos", summary="Add video clips on a new video track")
def add_videos(request: Request, body: AddVideosRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    svc.drafts.require(draft_id)
    items = parse_items("video_infos", body.video_infos, VideoInfo)
    speeds = _scene_speeds(body, items)
    if speeds is None:
        editing.check_no_overlap("video_infos", items)
    fetched = fetch_media(svc.fetcher, [item.video_url for item in items])
    with placing(svc.drafts, draft_id) as (doc, placement):
        media = placement.place(fetched, "videos")
        result = editing.add_videos(doc, items, media, clip=_clip(doc, body), speeds=speeds)
    return _added(request, svc, draft_id, result, "video_ids")


def _clip(doc: dict[str, Any], body: VisualPlacement) -> dict[str, Any]:
    return editing.placement_clip(
        doc, alpha=body.alpha, scale_x=body.scale_x, scale_y=body.scale_y, tx=body.transform_x, ty=body.transform_y
    )


def _scene_speeds(body: AddVideosRequest, items: list[VideoInfo]) -> list[float] | None:
    """scene_timelines give each clip the speed (end-start)/(scene.end-scene.start); one entry per clip."""
    if not body.scene_timelines:
        return None
    if len(body.scene_timelines) != len(items):
        raise ApiError(
            "VALIDATION_ERROR",
            f"scene_timelines: {len(body.scene_timelines)} entries for {len(items)} video_infos; give one per video",
        )
    pairs = zip(items, body.scene_timelines, strict=True)
    return [(item.end - item.start) / (scene.end - scene.start) for item, scene in pairs]


@router.post("/add_images", summary="Add photos on a new video track")
def add_images(request: Request, body: AddImagesRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    svc.drafts.require(draft_id)
    items = parse_items("image_infos", body.image_infos, ImageInfo)
    editing.check_no_overlap("image_infos", items)
    fetched = fetch_media(svc.fetcher, [item.image_url for item in items])
    with placing(svc.drafts, draft_id) as (doc, placement):
        media = placement.place(fetched, "images")
        result = editing.add_images(doc, items, media, clip=_clip(doc, body))
    return _added(request, svc, draft_id, result, "image_ids")


@router.post("/add_audios", summary="Add audio clips on a new audio track")
def add_audios(request: Request, body: AddAudiosRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    svc.drafts.require(draft_id)
    items = parse_items("audio_infos", body.audio_infos, AudioInfo)
    editing.check_no_overlap("audio_infos", items)
    fetched = fetch_media(svc.fetcher, [item.audio_url for item in items])
    with placing(svc.drafts, draft_id) as (doc, placement):
        media = placement.place(fetched, "audios")
        result = editing.add_audios(doc, items, media)
    return _added(request, svc, draft_id, result, "audio_ids")


def _caption_items(svc: Services, body: AddCaptionsRequest) -> tuple[str, list[CaptionInfo]]:
    """(field name, items) from the JSON `captions` or the `srt` text / URL."""
    if body.srt is None:
        return "captions", parse_items("captions", body.captions or [], CaptionInfo)
    source = body.srt.strip()
    if source.startswith(("http://", "https://")) and "\n" not in source:
        source = decode_subtitles(fetch_text(source, svc.fetcher.policy))
    return "srt", parse_items("srt", parse_subtitles(source, body.time_offset), CaptionInfo)


@router.post("/add_captions", summary="Add captions on a new text track (from a JSON array or an SRT file)")
def add_captions(request: Request, body: AddCaptionsRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    svc.drafts.require(draft_id)
    field, items = _caption_items(svc, body)
    editing.check_no_overlap(field, items)
    font = fetch_font(body.font_url, svc.fetcher.policy) if body.font_url else None
    with placing(svc.drafts, draft_id) as (doc, placement):
        fonts = svc.drafts.fonts(draft_id)
        if font is not None:
            added = placement.place_font(font)
            fonts.append(added)
            body = body.model_copy(update={"font": added.font_id})
        result = editing.add_captions(doc, body, items, fonts)
    return _added(request, svc, draft_id, result, "text_ids")


@router.post(
    "/add_font",
    summary="Store a font file with the draft, for add_captions' font / keyword_font",
    description="The TTF/OTF/TTC file is checked, stored in the draft folder (assets/fonts/, named by its "
    "content) and referenced by captions the way the app references a local font; renders draw with it. "
    "`font` is the family name that add_captions accepts in `font` (also accepted: `font_id`, `full_name`).",
)
def add_font(request: Request, body: AddFontRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    svc.drafts.require(draft_id)
    font = fetch_font(body.font_url, svc.fetcher.policy)
    with placing(svc.drafts, draft_id) as (_, placement):
        added = placement.place_font(font)
    return ok(
        request,
        draft_url=draft_url_for(public_url(request), draft_id),
        font=added.family,
        font_id=added.font_id,
        font_style=added.style,
        full_name=added.full_name,
        font_path=added.path,
    )


@router.post("/get_audio_duration", summary="Duration of an audio file in µs")
def get_audio_duration(
    request: Request, body: AudioDurationRequest, svc: Services = Depends(services)
) -> dict[str, Any]:
    info = svc.fetcher.fetch(body.mp3_url).info
    if not info.has_audio:
        raise ApiError("UNSUPPORTED_MEDIA", f"{clip(body.mp3_url)}: has no audio stream")
    return ok(request, duration=info.duration_us)
