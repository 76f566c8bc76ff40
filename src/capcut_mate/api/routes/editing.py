"""add_sticker, add_effects, add_filters, add_keyframes, add_masks, add_text_style and easy_create_material."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from capcut_mate.api.deps import services
from capcut_mate.api.responses import ok, public_url
from capcut_mate.api.schemas_editing import (
    AddEffectsRequest,
    AddFiltersRequest,
    AddKeyframesRequest,
    AddMasksRequest,
    AddStickerRequest,
    AddTextStyleRequest,
    EasyCreateMaterialRequest,
)
from capcut_mate.drafts import editing, effects
from capcut_mate.drafts.assets import fetch_media, placing
from capcut_mate.drafts.ids import draft_id_from_url, draft_url_for
from capcut_mate.drafts.items import (
    AudioInfo,
    CaptionInfo,
    CaptionStyle,
    EffectInfo,
    FilterInfo,
    ImageInfo,
    KeyframeInfo,
    VideoInfo,
    parse_items,
)
from capcut_mate.drafts.text_style import text_style
from capcut_mate.services import Services

router = APIRouter(tags=["editing"])

EASY_AUDIO_US = 5_000_000
EASY_VIDEO_US = 5_000_000
EASY_IMAGE_US = 3_000_000
EASY_TEXT_US = 5_000_000


def _url(request: Request, draft_id: str) -> str:
    return draft_url_for(public_url(request), draft_id)


@router.post(
    "/add_sticker",
    summary="Add a sticker on a new sticker track",
    description="The sticker is referenced by its resource id (the app downloads it); scale is uniform, "
    "transform_x/transform_y are the reference's offsets from the canvas centre: the sticker moves half that "
    "many pixels (+y up).",
)
def add_sticker(request: Request, body: AddStickerRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    sticker_id = body.sticker_id.strip()
    with svc.drafts.edit(draft_id) as doc:
        clip = editing.placement_clip(
            doc, alpha=1.0, scale_x=body.scale, scale_y=body.scale, tx=body.transform_x, ty=body.transform_y
        )
        track_id, segment_id = effects.add_sticker(doc, sticker_id, body.start, body.end, clip)
    return ok(
        request,
        draft_url=_url(request, draft_id),
        sticker_id=sticker_id,
        track_id=track_id,
        segment_id=segment_id,
        duration=body.end - body.start,
    )


@router.post(
    "/add_effects",
    summary="Add video effects on a new effect track",
    description="Each effect (a scene or character effect title, see get_effects) applies to everything below "
    "it during [start, end). An unknown title is a 400 naming it.",
)
def add_effects(request: Request, body: AddEffectsRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    items = parse_items("effect_infos", body.effect_infos, EffectInfo)
    editing.check_no_overlap("effect_infos", items)
    with svc.drafts.edit(draft_id) as doc:
        result = effects.add_effects(doc, items)
    return ok(
        request,
        draft_url=_url(request, draft_id),
        track_id=result.track_id,
        effect_ids=result.material_ids,
        segment_ids=result.segment_ids,
        segment_infos=result.segment_infos,
    )


@router.post(
    "/add_filters",
    summary="Add filters on a new filter track",
    description="Each filter (a title from get_filters) applies to everything below it during [start, end) "
    "at intensity 0-100.",
)
def add_filters(request: Request, body: AddFiltersRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    items = parse_items("filter_infos", body.filter_infos, FilterInfo)
    editing.check_no_overlap("filter_infos", items)
    with svc.drafts.edit(draft_id) as doc:
        result = effects.add_filters(doc, items)
    return ok(
        request,
        draft_url=_url(request, draft_id),
        track_id=result.track_id,
        filter_ids=result.material_ids,
        segment_ids=result.segment_ids,
        segment_infos=result.segment_infos,
    )


@router.post(
    "/add_keyframes",
    summary="Add keyframes to existing segments",
    description="Offsets are µs from the segment's start. An unknown segment is a 404 SEGMENT_NOT_FOUND and a "
    "property the segment cannot carry is a 400; nothing is written unless every keyframe is valid.",
)
def add_keyframes(request: Request, body: AddKeyframesRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    items = parse_items("keyframes", body.keyframes, KeyframeInfo)
    with svc.drafts.edit(draft_id) as doc:
        result = effects.add_keyframes(doc, items)
    return ok(
        request, draft_url=_url(request, draft_id), keyframes_added=result.added, affected_segments=result.segments
    )


@router.post(
    "/add_masks",
    summary="Mask video or image segments",
    description="One of 线性, 镜面, 圆形, 矩形, 爱心, 星形. X/Y/width/height are pixels of the material; a segment "
    "that already has a mask gets the new one under the same id.",
)
def add_masks(request: Request, body: AddMasksRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    shape = effects.MaskShape(
        name=body.name, x=body.X, y=body.Y, width=body.width, height=body.height, feather=body.feather,
        rotation=body.rotation, invert=body.invert, round_corner=body.roundCorner,
    )  # fmt: skip
    with svc.drafts.edit(draft_id) as doc:
        result = effects.add_masks(doc, body.segment_ids, shape)
    return ok(
        request,
        draft_url=_url(request, draft_id),
        masks_added=len(result.mask_ids),
        affected_segments=result.segments,
        mask_ids=result.mask_ids,
    )


@router.post(
    "/add_text_style",
    summary="Build a rich-text style string that highlights keywords",
    description="Pure: returns `text_style`, compact JSON of the text and its styled ranges (white text, "
    "keywords in keyword_color at keyword_font_size).",
)
def add_text_style(request: Request, body: AddTextStyleRequest) -> dict[str, Any]:
    style = text_style(body.text, body.keyword, body.font_size, body.keyword_color, body.keyword_font_size)
    return ok(request, text_style=style)


def _given(url: str | None) -> str | None:
    """The reference treats "" and the string "null" as absent."""
    return url if url and url.strip() and url.strip().lower() != "null" else None


@router.post(
    "/easy_create_material",
    summary="Add audio, video, image and text in one call, each on its own new track",
    description="Audio 0-5 s (required), video 0-5 s, image 0-3 s and centred text 0-5 s. Unlike the reference, "
    "a part that fails fails the whole call and nothing is written.",
)
def easy_create_material(
    request: Request, body: EasyCreateMaterialRequest, svc: Services = Depends(services)
) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    svc.drafts.require(draft_id)
    audio = [AudioInfo(audio_url=body.audio_url.strip(), start=0, end=EASY_AUDIO_US)]
    video_url, img_url = _given(body.video_url), _given(body.img_url)
    videos = [VideoInfo(video_url=video_url, start=0, end=EASY_VIDEO_US)] if video_url else []
    images = [ImageInfo(image_url=img_url, start=0, end=EASY_IMAGE_US)] if img_url else []
    texts = [CaptionInfo(text=body.text, start=0, end=EASY_TEXT_US)] if body.text and body.text.strip() else []
    audio_fetched = fetch_media(svc.fetcher, [audio[0].audio_url])
    video_fetched = fetch_media(svc.fetcher, [v.video_url for v in videos])
    image_fetched = fetch_media(svc.fetcher, [i.image_url for i in images])
    style = CaptionStyle(text_color=body.text_color, font_size=body.font_size, transform_y=body.text_transform_y)
    with placing(svc.drafts, draft_id) as (doc, placement):
        audio_media = placement.place(audio_fetched, "audios")
        video_media = placement.place(video_fetched, "videos")
        image_media = placement.place(image_fetched, "images")
        editing.add_audios(doc, audio, audio_media)
        clip = editing.placement_clip(doc, alpha=1.0, scale_x=1.0, scale_y=1.0, tx=0, ty=0)
        if videos:
            editing.add_videos(doc, videos, video_media, clip=clip)
        if images:
            editing.add_images(doc, images, image_media, clip=clip)
        if texts:
            editing.add_captions(doc, style, texts)
    return ok(request, draft_url=_url(request, draft_id))
