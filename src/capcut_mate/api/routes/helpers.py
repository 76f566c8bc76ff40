"""The reference's helper endpoints: timelines and the builders of add_* JSON-string inputs. Pure, except
audio_timelines, which downloads and probes the audio to learn its length."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Depends, Request

from capcut_mate import helpers
from capcut_mate.api.deps import services
from capcut_mate.api.responses import ok
from capcut_mate.api.schemas import SceneTimeline
from capcut_mate.api.schemas_helpers import (
    AudioInfosRequest,
    AudioTimelinesRequest,
    CaptionInfosRequest,
    EffectInfosRequest,
    FilterInfosRequest,
    GetUrlRequest,
    ImgsInfosRequest,
    KeyframesInfosRequest,
    ObjsToStrListRequest,
    StrListToObjsRequest,
    StrToListRequest,
    TimelinesRequest,
    VideoInfosRequest,
)
from capcut_mate.errors import ApiError, clip
from capcut_mate.services import Services

router = APIRouter(tags=["helpers"])

PARALLEL_PROBES = 4


def _lines(timelines: list[SceneTimeline]) -> list[helpers.Span]:
    return [{"start": t.start, "end": t.end} for t in timelines]


@router.post(
    "/timelines",
    summary="Split a duration into pieces",
    description="type 0 splits evenly (the last piece takes the remainder); any other type cuts at random "
    "points with a fixed seed, so the same request always gives the same pieces.",
)
def timelines(request: Request, body: TimelinesRequest) -> dict[str, Any]:
    pieces, whole = helpers.timelines(body.duration, body.num, body.start, body.type)
    return ok(request, timelines=pieces, all_timelines=whole)


@router.post(
    "/audio_timelines",
    summary="Lay audio files end to end and return their timelines",
    description="Downloads and probes each link; pieces lie back to back from 0 in link order.",
)
def audio_timelines(request: Request, body: AudioTimelinesRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    def duration(index_url: tuple[int, str]) -> int:
        index, url = index_url
        info = svc.fetcher.fetch(url).info
        if not info.has_audio:
            raise ApiError("UNSUPPORTED_MEDIA", f"links[{index}]: {clip(url)} has no audio stream")
        return info.duration_us

    with ThreadPoolExecutor(max_workers=PARALLEL_PROBES) as pool:
        durations = list(pool.map(duration, enumerate(body.links)))
    pieces, whole = helpers.back_to_back(durations)
    return ok(request, timelines=pieces, all_timelines=whole)


@router.post("/audio_infos", summary="Build add_audios' audio_infos from URLs and timelines")
def audio_infos(request: Request, body: AudioInfosRequest) -> dict[str, Any]:
    lines = _lines(body.timelines)
    return ok(request, infos=helpers.audio_infos(body.mp3_urls, lines, body.audio_effect, body.volume))


@router.post(
    "/imgs_infos",
    summary="Build add_images' image_infos from URLs and timelines",
    description="Animation and transition names are |-separated lists: image i takes the i-th name and the last "
    "one is reused once a list runs out.",
)
def imgs_infos(request: Request, body: ImgsInfosRequest) -> dict[str, Any]:
    names = {
        "in_animation": (body.in_animation, body.in_animation_duration),
        "out_animation": (body.out_animation, body.out_animation_duration),
        "loop_animation": (body.loop_animation, body.loop_animation_duration),
        "transition": (body.transition, body.transition_duration),
    }
    sizes = {"height": body.height, "width": body.width}
    return ok(request, infos=helpers.imgs_infos(body.imgs, _lines(body.timelines), sizes, names))


@router.post("/caption_infos", summary="Build add_captions' captions from texts and timelines")
def caption_infos(request: Request, body: CaptionInfosRequest) -> dict[str, Any]:
    extra = body.model_dump(exclude={"texts", "timelines", "keywords"})
    return ok(request, infos=helpers.caption_infos(body.texts, _lines(body.timelines), body.keywords, extra))


@router.post("/effect_infos", summary="Build add_effects' effect_infos from titles and timelines")
def effect_infos(request: Request, body: EffectInfosRequest) -> dict[str, Any]:
    return ok(request, infos=helpers.effect_infos(body.effects, _lines(body.timelines)))


@router.post("/filter_infos", summary="Build add_filters' filter_infos from titles and timelines")
def filter_infos(request: Request, body: FilterInfosRequest) -> dict[str, Any]:
    return ok(request, infos=helpers.filter_infos(body.filters, _lines(body.timelines), body.intensities))


@router.post("/video_infos", summary="Build add_videos' video_infos from URLs and timelines")
def video_infos(request: Request, body: VideoInfosRequest) -> dict[str, Any]:
    extra = body.model_dump(include={"width", "height", "mask", "transition", "transition_duration"})
    return ok(request, infos=helpers.video_infos(body.video_urls, _lines(body.timelines), extra, body.volume))


@router.post(
    "/keyframes_infos",
    summary="Build add_keyframes' keyframes from percentages and values",
    description="One keyframe per segment per offset; offsets are integer percentages of each segment's length. "
    "KFTypePositionX/Y values are divided by width/height when given.",
)
def keyframes_infos(request: Request, body: KeyframesInfosRequest) -> dict[str, Any]:
    segments = [s.model_dump() for s in body.segment_infos]
    result = helpers.keyframes_infos(body.ctype, body.offsets, body.values, segments, body.width, body.height)
    return ok(request, keyframes_infos=result)


@router.post("/get_url", summary="Echo `output` (for workflow plumbing)")
def get_url(request: Request, body: GetUrlRequest) -> dict[str, Any]:
    return ok(request, output=body.output)


@router.post("/str_to_list", summary="Wrap one string in a list (does not split it)")
def str_to_list(request: Request, body: StrToListRequest) -> dict[str, Any]:
    return ok(request, infos=[body.obj])


@router.post("/str_list_to_objs", summary="[str] → [{output: str}]")
def str_list_to_objs(request: Request, body: StrListToObjsRequest) -> dict[str, Any]:
    return ok(request, infos=[{"output": value} for value in body.infos])


@router.post("/objs_to_str_list", summary="[{output: str}] → [str]")
def objs_to_str_list(request: Request, body: ObjsToStrListRequest) -> dict[str, Any]:
    return ok(request, infos=[item.output for item in body.outputs])
