"""Editing operations that decorate a draft: keyframes, masks, filter and effect tracks, stickers.

Pure functions on the document. Material JSON comes from the own exporters (`Mask`, `Filter`, `VideoEffect`) of
the package of the draft's app (pyJianYingDraft 0.3.1 or pyCapCut, `drafts.catalogue.for_doc`), so what we write
is what that library writes, with that app's resource ids. Where the reference skipped bad input
silently (unknown segment, wrong segment kind, a UNIFORM_SCALE after scale_x), we raise instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from capcut_mate.drafts import document
from capcut_mate.drafts.catalogue import for_doc
from capcut_mate.drafts.document import Json
from capcut_mate.drafts.ids import new_uuid
from capcut_mate.drafts.items import EffectInfo, FilterInfo, KeyframeInfo
from capcut_mate.drafts.names import resolve
from capcut_mate.errors import ApiError

GLOBAL_TARGET = 2  # apply_target_type of materials on their own effect/filter track: everything below them
VISUAL_PROPERTIES = {"KFTypePositionX", "KFTypePositionY", "KFTypeScaleX", "KFTypeScaleY", "KFTypeRotation"}
VIDEO_ONLY_PROPERTIES = {"KFTypeAlpha", "KFTypeSaturation", "KFTypeContrast", "KFTypeBrightness"}


def _segment_or_404(doc: Json, segment_id: str, field: str) -> tuple[Json, Json]:
    found = document.find_segment(doc, segment_id)
    if found is None:
        raise ApiError("SEGMENT_NOT_FOUND", f"{field}: no segment {segment_id!r} in this draft")
    return found


def _allowed_properties(track_type: str) -> set[str]:
    """Which keyframe properties a segment of this track kind can carry (the app's rules)."""
    if track_type == "video":
        return VISUAL_PROPERTIES | VIDEO_ONLY_PROPERTIES | {"UNIFORM_SCALE", "KFTypeVolume"}
    if track_type in ("text", "sticker"):
        return VISUAL_PROPERTIES | {"UNIFORM_SCALE", "KFTypeAlpha"}
    if track_type == "audio":
        return {"KFTypeVolume"}
    return set()


def _keyframe_value(doc: Json, prop: str, value: float) -> float:
    """Position values with |v| > 1 are pixels (the reference's rule) → half-canvas units as the draft stores."""
    axis = {"KFTypePositionX": "width", "KFTypePositionY": "height"}.get(prop)
    if axis is None or abs(value) <= 1:
        return value
    pixels: int = doc["canvas_config"][axis]
    return value / pixels


def _keyframe_list(seg: Json, prop: str) -> Json:
    kf_list: Json
    for kf_list in seg["common_keyframes"]:
        if kf_list["property_type"] == prop:
            return kf_list
    kf_list = {"id": new_uuid(), "keyframe_list": [], "material_id": "", "property_type": prop}
    seg["common_keyframes"].append(kf_list)
    return kf_list


def _put_keyframe(kf_list: Json, offset: int, value: float) -> None:
    """Same shape as pyJianYingDraft's Keyframe; a second keyframe at the same offset replaces the first."""
    frames = [kf for kf in kf_list["keyframe_list"] if kf["time_offset"] != offset]
    frames.append(
        {
            "curveType": "Line",
            "graphID": "",
            "left_control": {"x": 0.0, "y": 0.0},
            "right_control": {"x": 0.0, "y": 0.0},
            "id": new_uuid(),
            "time_offset": offset,
            "values": [value],
        }
    )
    kf_list["keyframe_list"] = sorted(frames, key=lambda kf: kf["time_offset"])


@dataclass
class KeyframesResult:
    added: int = 0
    segments: list[str] = field(default_factory=list)


def add_keyframes(doc: Json, items: Sequence[KeyframeInfo]) -> KeyframesResult:
    """Add each keyframe to its segment; UNIFORM_SCALE is stored as KFTypeScaleX with uniform_scale on."""
    result = KeyframesResult()
    for index, item in enumerate(items):
        where = f"keyframes[{index}]"
        track, seg = _segment_or_404(doc, item.segment_id, f"{where}.segment_id")
        if item.property not in _allowed_properties(track["type"]):
            raise ApiError(
                "VALIDATION_ERROR",
                f"{where}.property: {item.property} cannot be keyframed on a {track['type']} segment",
            )
        length = seg["target_timerange"]["duration"]
        if item.offset > length:
            raise ApiError(
                "VALIDATION_ERROR",
                f"{where}.offset: {item.offset} µs is past the end of segment {item.segment_id} ({length} µs long); "
                "offsets are µs from the segment's start",
            )
        prop = item.property
        if prop in ("KFTypeScaleX", "KFTypeScaleY") and seg.get("uniform_scale"):
            seg["uniform_scale"]["on"] = False
        elif prop == "UNIFORM_SCALE":
            if seg.get("uniform_scale") and not seg["uniform_scale"]["on"]:
                raise ApiError(
                    "VALIDATION_ERROR",
                    f"{where}.property: UNIFORM_SCALE cannot follow KFTypeScaleX/KFTypeScaleY on segment "
                    f"{item.segment_id}; use one or the other",
                )
            prop = "KFTypeScaleX"
        _put_keyframe(_keyframe_list(seg, prop), item.offset, _keyframe_value(doc, item.property, item.value))
        result.added += 1
        if item.segment_id not in result.segments:
            result.segments.append(item.segment_id)
    return result


@dataclass(frozen=True)
class MaskShape:
    """add_masks geometry in the reference's units: px of the material, feather/round corner 0-100."""

    name: str = "线性"
    x: float = 0
    y: float = 0
    width: float = 512
    height: float = 512
    feather: float = 0
    rotation: float = 0
    invert: bool = False
    round_corner: float = 0


@dataclass
class MasksResult:
    mask_ids: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)


def _material_size(doc: Json, seg: Json) -> tuple[int, int]:
    for material in doc["materials"].get("videos", []):
        if material["id"] == seg["material_id"]:
            return material["width"], material["height"]
    raise ApiError("VALIDATION_ERROR", f"segment {seg['id']} has no video or image material to mask")


def _remove_material(doc: Json, bucket: str, material_id: str) -> None:
    doc["materials"][bucket] = [m for m in doc["materials"].get(bucket, []) if m["id"] != material_id]


def apply_mask(doc: Json, seg: Json, shape: MaskShape, field_name: str) -> str | None:
    """Mask a video/photo segment (pyJianYingDraft writes it to `masks` and `common_mask` under one id).

    A segment has at most one mask, so a second call replaces the first and keeps its id. None: the mask
    name is unknown (warned) and nothing was written.
    """
    cat = for_doc(doc)
    kind = resolve(cat.masks, shape.name, field_name, "the mask names " + ", ".join(cat.mask_names))
    if kind is None:
        return None
    meta = kind.value
    mat_w, mat_h = _material_size(doc, seg)
    size = shape.height / mat_h
    is_rect = meta.resource_type == "rectangle"
    width = shape.width / mat_w if is_rect else size * mat_h * meta.default_aspect_ratio / mat_w
    mask = cat.library.video_segment.Mask(
        meta, shape.x / (mat_w / 2), shape.y / (mat_h / 2), w=width, h=size, ratio=meta.default_aspect_ratio,
        rot=shape.rotation, inv=shape.invert, feather=shape.feather / 100,
        round_corner=(shape.round_corner if is_rect else 0) / 100,
    )  # fmt: skip
    old = {m["id"] for m in doc["materials"].get("masks", [])} & set(seg["extra_material_refs"])
    if old:
        mask.global_id = old.pop()
        _remove_material(doc, "masks", mask.global_id)
        _remove_material(doc, "common_mask", mask.global_id)
    else:
        seg["extra_material_refs"].append(mask.global_id)
    document.add_material(doc, "masks", mask.export_json())
    document.add_material(doc, "common_mask", mask.export_common_json())
    mask_id: str = mask.global_id
    return mask_id


def add_masks(doc: Json, segment_ids: Sequence[str], shape: MaskShape) -> MasksResult:
    result = MasksResult()
    for index, segment_id in enumerate(segment_ids):
        where = f"segment_ids[{index}]"
        track, seg = _segment_or_404(doc, segment_id, where)
        if track["type"] != "video":
            raise ApiError(
                "VALIDATION_ERROR", f"{where}: segment {segment_id} is on a {track['type']} track; masks apply to "
                "video and image segments",
            )  # fmt: skip
        mask_id = apply_mask(doc, seg, shape, "name")
        if mask_id is None:
            break  # one unknown shape name: nothing to apply to any segment
        result.mask_ids.append(mask_id)
        result.segments.append(segment_id)
    return result


@dataclass
class TrackResult:
    track_id: str
    material_ids: list[str] = field(default_factory=list)
    segment_ids: list[str] = field(default_factory=list)
    segment_infos: list[Json] = field(default_factory=list)


def _timed_segment(material_id: str, start: int, end: int, render_index: int) -> Json:
    return document.segment(material_id, target=(start, end - start), source=None, render_index=render_index)


def add_effects(doc: Json, items: Sequence[EffectInfo]) -> TrackResult:
    """One new effect track; each scene/character effect applies to everything below it over its range."""
    cat = for_doc(doc)
    track = document.add_track(doc, "effect")
    result = TrackResult(track["id"])
    for index, item in enumerate(items):
        kind = resolve(cat.effects, item.effect_title, f"effect_infos[{index}].effect_title", "get_effects")
        if kind is None:
            continue
        effect = cat.library.video_segment.VideoEffect(kind, None, apply_target_type=GLOBAL_TARGET)
        document.add_material(doc, "video_effects", effect.export_json())
        seg = _timed_segment(effect.global_id, item.start, item.end, len(doc["tracks"]) - 1)
        track["segments"].append(seg)
        result.material_ids.append(effect.global_id)
        result.segment_ids.append(seg["id"])
        result.segment_infos.append(document.segment_info(seg))
    return result


def add_filters(doc: Json, items: Sequence[FilterInfo]) -> TrackResult:
    """One new filter track; intensity 0-100 is stored as 0-1, as pyJianYingDraft does."""
    cat = for_doc(doc)
    track = document.add_track(doc, "filter")
    result = TrackResult(track["id"])
    for index, item in enumerate(items):
        kind = resolve(cat.filters, item.filter_title, f"filter_infos[{index}].filter_title", "get_filters")
        if kind is None:
            continue
        material = cat.library.video_segment.Filter(kind.value, item.intensity / 100.0, apply_target_type=GLOBAL_TARGET)
        document.add_material(doc, "effects", material.export_json())
        seg = _timed_segment(material.global_id, item.start, item.end, len(doc["tracks"]) - 1)
        track["segments"].append(seg)
        result.material_ids.append(material.global_id)
        result.segment_ids.append(seg["id"])
        result.segment_infos.append(document.segment_info(seg))
    return result


def add_sticker(doc: Json, resource_id: str, start: int, end: int, clip: Json) -> tuple[str, str]:
    """One new sticker track holding the sticker (the app fetches it by resource id); → (track id, segment id)."""
    track = document.add_track(doc, "sticker")
    material_id = new_uuid()
    material = {
        "id": material_id,
        "resource_id": resource_id,
        "sticker_id": resource_id,
        "source_platform": 1,
        "type": "sticker",
    }
    document.add_material(doc, "stickers", material)
    seg = document.segment(
        material_id, target=(start, end - start), source=None, render_index=len(doc["tracks"]) - 1, clip=clip
    )
    track["segments"].append(seg)
    return track["id"], seg["id"]
