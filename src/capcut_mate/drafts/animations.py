"""Intro/outro/loop animations and transitions on segments, written as pyJianYingDraft 0.3.1 writes them.

The JSON comes from the package's own exporters (`SegmentAnimations`, `Transition`), so the shapes in
`materials.material_animations` / `materials.transitions` are exactly the library's. Names resolve through
`drafts.names` (aliases, close matches; an unknown name is left out with a warning, or a 400 when strict);
impossible combinations are 400s.
"""

from __future__ import annotations

from typing import Any

from pyJianYingDraft.animation import SegmentAnimations, Text_animation, VideoAnimation
from pyJianYingDraft.video_segment import Transition

from capcut_mate.drafts import document
from capcut_mate.drafts.catalogue import TEXT_ANIMATIONS, TRANSITION_CATALOGUES, VIDEO_ANIMATIONS
from capcut_mate.drafts.items import AnimatedItem
from capcut_mate.drafts.names import resolve
from capcut_mate.errors import ApiError

Json = dict[str, Any]


def _duration(requested: int | None, default: int, segment_len: int) -> int:
    """The requested length (0 or absent = the animation's own), never longer than the segment."""
    return min(requested or default, segment_len)


def _video_animations(item: AnimatedItem, field: str, segment_len: int) -> list[VideoAnimation]:
    """Photo/video: intro at the head, outro at the tail, or one group ("loop") animation over the segment."""
    endpoint = "get_image_animations"
    if item.loop_animation and (item.in_animation or item.out_animation):
        raise ApiError(
            "VALIDATION_ERROR",
            f"{field}.loop_animation: a loop (group) animation covers the whole clip and cannot be combined "
            "with in_animation or out_animation",
        )
    result = []
    if item.in_animation and (
        kind := resolve([VIDEO_ANIMATIONS["in"]], item.in_animation, f"{field}.in_animation", endpoint)
    ):
        length = _duration(item.in_animation_duration, kind.value.duration, segment_len)
        result.append(VideoAnimation(kind, 0, length))
    if item.out_animation and (
        kind := resolve([VIDEO_ANIMATIONS["out"]], item.out_animation, f"{field}.out_animation", endpoint)
    ):
        length = _duration(item.out_animation_duration, kind.value.duration, segment_len)
        result.append(VideoAnimation(kind, segment_len - length, length))
    if item.loop_animation and (
        kind := resolve([VIDEO_ANIMATIONS["loop"]], item.loop_animation, f"{field}.loop_animation", endpoint)
    ):
        result.append(VideoAnimation(kind, 0, _duration(item.loop_animation_duration, segment_len, segment_len)))
    return result


def _text_animations(item: AnimatedItem, field: str, segment_len: int) -> list[Text_animation]:
    """Text: intro at the head, outro at the tail, and a loop filling the span between them."""
    endpoint = "get_text_animations"
    result = []
    intro_end = outro_len = 0
    if item.in_animation and (
        kind := resolve([TEXT_ANIMATIONS["in"]], item.in_animation, f"{field}.in_animation", endpoint)
    ):
        intro_end = _duration(item.in_animation_duration, kind.value.duration, segment_len)
        result.append(Text_animation(kind, 0, intro_end))
    if item.out_animation and (
        kind := resolve([TEXT_ANIMATIONS["out"]], item.out_animation, f"{field}.out_animation", endpoint)
    ):
        outro_len = _duration(item.out_animation_duration, kind.value.duration, segment_len)
        result.append(Text_animation(kind, segment_len - outro_len, outro_len))
    if item.loop_animation and (
        kind := resolve([TEXT_ANIMATIONS["loop"]], item.loop_animation, f"{field}.loop_animation", endpoint)
    ):
        span = segment_len - intro_end - outro_len
        if span <= 0:
            raise ApiError(
                "VALIDATION_ERROR",
                f"{field}.loop_animation: no time left for a loop; the intro ({intro_end} µs) and outro "
                f"({outro_len} µs) already fill the caption ({segment_len} µs)",
            )
        result.append(Text_animation(kind, intro_end, span))
    return result


def _attach(doc: Json, seg: Json, animations: list[VideoAnimation] | list[Text_animation]) -> None:
    if not animations:
        return
    container = SegmentAnimations()
    container.animations.extend(animations)
    document.add_material(doc, "material_animations", container.export_json())
    seg["extra_material_refs"].append(container.animation_id)


def apply_video_animations(doc: Json, seg: Json, item: AnimatedItem, field: str) -> None:
    _attach(doc, seg, _video_animations(item, field, seg["target_timerange"]["duration"]))


def apply_text_animations(doc: Json, seg: Json, item: AnimatedItem, field: str) -> None:
    _attach(doc, seg, _text_animations(item, field, seg["target_timerange"]["duration"]))


def apply_transition(doc: Json, seg: Json, name: str | None, duration: int | None, field: str) -> None:
    """A transition into the next clip of the track; it is stored on the earlier segment, as the app does."""
    kind = resolve(TRANSITION_CATALOGUES, name, f"{field}.transition", "get_transitions") if name else None
    if kind is None:
        return
    transition = Transition(kind, duration or None)
    document.add_material(doc, "transitions", transition.export_json())
    seg["extra_material_refs"].append(transition.global_id)
