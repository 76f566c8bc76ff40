"""Intro/outro/loop animations and transitions on segments, written as pyJianYingDraft 0.3.1 writes them.

The JSON comes from the exporters (`SegmentAnimations`, `Transition`) of the package of the draft's app
(pyJianYingDraft or pyCapCut, `drafts.catalogue.for_doc`), so the shapes in `materials.material_animations` /
`materials.transitions` are exactly that library's and the resource ids those of the draft's app. Names resolve through
`drafts.names` (aliases, close matches; an unknown name is left out with a warning, or a 400 when strict);
impossible combinations are 400s.
"""

from __future__ import annotations

from typing import Any

from capcut_mate.drafts import document
from capcut_mate.drafts.catalogue import Catalogue, for_doc
from capcut_mate.drafts.document import Json
from capcut_mate.drafts.items import AnimatedItem
from capcut_mate.drafts.names import resolve
from capcut_mate.errors import ApiError


def _duration(requested: int | None, default: int, segment_len: int) -> int:
    """The requested length (0 or absent = the animation's own), never longer than the segment."""
    return min(requested or default, segment_len)


def _video_animations(cat: Catalogue, item: AnimatedItem, field: str, segment_len: int) -> list[Any]:
    """Photo/video: intro at the head, outro at the tail, or one group ("loop") animation over the segment."""
    endpoint = "get_image_animations"
    animation = cat.library.animation.VideoAnimation
    if item.loop_animation and (item.in_animation or item.out_animation):
        raise ApiError(
            "VALIDATION_ERROR",
            f"{field}.loop_animation: a loop (group) animation covers the whole clip and cannot be combined "
            "with in_animation or out_animation",
        )
    result = []
    if item.in_animation and (
        kind := resolve([cat.video_animations["in"]], item.in_animation, f"{field}.in_animation", endpoint)
    ):
        length = _duration(item.in_animation_duration, kind.value.duration, segment_len)
        result.append(animation(kind, 0, length))
    if item.out_animation and (
        kind := resolve([cat.video_animations["out"]], item.out_animation, f"{field}.out_animation", endpoint)
    ):
        length = _duration(item.out_animation_duration, kind.value.duration, segment_len)
        result.append(animation(kind, segment_len - length, length))
    if item.loop_animation and (
        kind := resolve([cat.video_animations["loop"]], item.loop_animation, f"{field}.loop_animation", endpoint)
    ):
        result.append(animation(kind, 0, _duration(item.loop_animation_duration, segment_len, segment_len)))
    return result


def _text_animations(cat: Catalogue, item: AnimatedItem, field: str, segment_len: int) -> list[Any]:
    """Text: intro at the head, outro at the tail, and a loop filling the span between them."""
    endpoint = "get_text_animations"
    animation = cat.library.animation.Text_animation
    result = []
    intro_end = outro_len = 0
    if item.in_animation and (
        kind := resolve([cat.text_animations["in"]], item.in_animation, f"{field}.in_animation", endpoint)
    ):
        intro_end = _duration(item.in_animation_duration, kind.value.duration, segment_len)
        result.append(animation(kind, 0, intro_end))
    if item.out_animation and (
        kind := resolve([cat.text_animations["out"]], item.out_animation, f"{field}.out_animation", endpoint)
    ):
        outro_len = _duration(item.out_animation_duration, kind.value.duration, segment_len)
        result.append(animation(kind, segment_len - outro_len, outro_len))
    if item.loop_animation and (
        kind := resolve([cat.text_animations["loop"]], item.loop_animation, f"{field}.loop_animation", endpoint)
    ):
        span = segment_len - intro_end - outro_len
        if span <= 0:
            raise ApiError(
                "VALIDATION_ERROR",
                f"{field}.loop_animation: no time left for a loop; the intro ({intro_end} µs) and outro "
                f"({outro_len} µs) already fill the caption ({segment_len} µs)",
            )
        result.append(animation(kind, intro_end, span))
    return result


def _attach(doc: Json, seg: Json, animations: list[Any]) -> None:
    if not animations:
        return
    container = for_doc(doc).library.animation.SegmentAnimations()
    container.animations.extend(animations)
    document.add_material(doc, "material_animations", container.export_json())
    seg["extra_material_refs"].append(container.animation_id)


def apply_video_animations(doc: Json, seg: Json, item: AnimatedItem, field: str) -> None:
    _attach(doc, seg, _video_animations(for_doc(doc), item, field, seg["target_timerange"]["duration"]))


def apply_text_animations(doc: Json, seg: Json, item: AnimatedItem, field: str) -> None:
    _attach(doc, seg, _text_animations(for_doc(doc), item, field, seg["target_timerange"]["duration"]))


def apply_transition(doc: Json, seg: Json, name: str | None, duration: int | None, field: str) -> None:
    """A transition into the next clip of the track; it is stored on the earlier segment, as the app does."""
    cat = for_doc(doc)
    kind = resolve(cat.transitions, name, f"{field}.transition", "get_transitions") if name else None
    if kind is None:
        return
    transition = cat.library.video_segment.Transition(kind, duration or None)
    document.add_material(doc, "transitions", transition.export_json())
    seg["extra_material_refs"].append(transition.global_id)
