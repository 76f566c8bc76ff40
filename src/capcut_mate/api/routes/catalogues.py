"""The catalogue endpoints: names the add_* endpoints accept, per app (pyJianYingDraft's or pyCapCut's metadata)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from capcut_mate.api.responses import ok
from capcut_mate.api.schemas_catalogues import AnimationsRequest, ModeRequest, SearchStickerRequest
from capcut_mate.drafts import catalogue

router = APIRouter(tags=["catalogues"])

TEXT_EFFECTS_NOTE = (
    "No installable package carries the 花字 (text effect) catalogue, so this list is empty. add_captions accepts "
    "a numeric 花字 id in text_effect."
)
STICKERS_NOTE = (
    "No installable package carries the sticker catalogue, so search finds nothing. add_sticker accepts any "
    "sticker resource id taken from the app."
)


@router.post(
    "/get_text_animations",
    summary="Text intro/outro/loop animations",
    description="`effects` lists in, then out, then loop animations (or only `type`); `name` is what "
    "add_captions accepts in in_animation / out_animation / loop_animation, `duration` the default in µs.",
)
def get_text_animations(request: Request, body: AnimationsRequest) -> dict[str, Any]:
    return ok(request, effects=catalogue.text_animations(body.mode, body.type, body.app))


@router.post(
    "/get_image_animations",
    summary="Image/video intro, outro and loop (group) animations",
    description="`name` is what add_images accepts in in_animation / out_animation / loop_animation.",
)
def get_image_animations(request: Request, body: AnimationsRequest) -> dict[str, Any]:
    return ok(request, effects=catalogue.image_animations(body.mode, body.type, body.app))


@router.post("/get_filters", summary="Filters accepted by add_filters")
def get_filters(request: Request, body: ModeRequest) -> dict[str, Any]:
    return ok(request, filters=catalogue.filters(body.mode, body.app))


@router.post(
    "/get_effects",
    summary="Scene effects accepted by add_effects",
    description="add_effects also accepts character (人物) effect titles, which this list leaves out as the "
    "reference does.",
)
def get_effects(request: Request, body: ModeRequest) -> dict[str, Any]:
    return ok(request, effects=catalogue.effects(body.mode, body.app))


@router.post(
    "/get_transitions",
    summary="Transitions accepted by add_videos / add_images (not in the reference)",
    description="`name` is what the `transition` field of video_infos / image_infos accepts; `duration` is the "
    "default length in µs.",
)
def get_transitions(request: Request, body: ModeRequest) -> dict[str, Any]:
    return ok(request, transitions=catalogue.transitions(body.mode, body.app))


@router.post("/get_text_effects", summary="花字 (text effects): empty, see `note`")
def get_text_effects(request: Request, body: ModeRequest) -> dict[str, Any]:
    return ok(request, text_effects=[], note=TEXT_EFFECTS_NOTE)


@router.post("/search_sticker", summary="Search stickers by title: empty, see `note`")
def search_sticker(request: Request, body: SearchStickerRequest) -> dict[str, Any]:
    return ok(request, data=[], note=STICKERS_NOTE)
