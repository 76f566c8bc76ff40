"""replace_material: a video, photo or audio material of a draft gets new media; its segments keep their
place and length on the timeline.

Each segment plays its `source_timerange` duration of the material (its length on the timeline times its
speed). New media play from their start, so a clip must last at least that long; a shorter one is a 400
naming the length needed, unless `fit` says what to do: `speed` slows the segment down until the clip
fills it (speed = clip length / timeline length), `loop` and `freeze` are done to the file before it is
stored (media/conform.py), so the draft stays plain segments the app plays the same way. A photo needs
no length. The type follows the new media: a video slot may take a photo and a photo slot a video.
Audio materials take audio, or a video with sound, as add_audios does.

The material keeps its id (segments, keyframes, animations and effects point at it) and its crop; the
file-derived fields (path, name, size, duration) are the new file's, and what the app derived from the
old file (reversed copy, waveform, stabilisation, cut-outs...) is dropped with it: the material is
rewritten the way add_* writes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from capcut_mate.drafts import document
from capcut_mate.drafts.document import Json
from capcut_mate.drafts.editing import LocalMedia
from capcut_mate.drafts.listing import material_name, number
from capcut_mate.errors import ApiError, clip
from capcut_mate.media.probe import MediaInfo

MEDIA_BUCKETS = ("videos", "audios")
KEPT_VIDEO_FIELDS = ("crop", "crop_ratio", "crop_scale")
MIN_SPEED = 0.1  # the app's slowest constant speed


@dataclass(frozen=True)
class Target:
    bucket: str  # "videos" or "audios"
    material: Json


@dataclass
class MaterialReplaced:
    material_ids: list[str] = field(default_factory=list)
    segment_ids: list[str] = field(default_factory=list)
    speeds: dict[str, float] = field(default_factory=dict)  # segment id -> new speed (fit "speed")


def find_targets(doc: Json, material_id: str | None, name: str | None) -> list[Target]:
    """The materials to replace: the one with `material_id`, or every one whose name or file name is `name`."""
    targets = []
    for bucket in MEDIA_BUCKETS:
        for material in doc["materials"].get(bucket) or []:
            if not isinstance(material, dict):
                continue
            by_id = material_id is not None and material.get("id") == material_id
            if by_id or (name is not None and name.casefold() in _names(material)):
                targets.append(Target(bucket, material))
    if not targets:
        what = f"id {clip(material_id)}" if material_id is not None else f"name {clip(name)!r}"
        raise ApiError("MATERIAL_NOT_FOUND", f"no video, photo or audio material with {what}; list_segments shows them")
    return targets


def _names(material: Json) -> set[str]:
    path = str(material.get("path") or "").replace("\\", "/")
    return {material_name(material).casefold(), path.rsplit("/", 1)[-1].casefold()} - {""}


def _segments(doc: Json, targets: list[Target]) -> list[Json]:
    ids = {target.material["id"] for target in targets}
    return [segment for track in doc["tracks"] for segment in track["segments"] if segment["material_id"] in ids]


def played_us(segment: Json) -> int:
    """How much of its material a segment plays: its source range, else its timeline length times its speed."""
    source = segment.get("source_timerange")
    if isinstance(source, dict) and isinstance(source.get("duration"), int):
        return int(source["duration"])
    timeline_us: int = segment["target_timerange"]["duration"]
    return round(timeline_us * (number(segment.get("speed"), 1.0) or 1.0))


def needed_us(doc: Json, targets: list[Target]) -> int:
    """The longest stretch of the new media any segment of the targets will play."""
    return max((played_us(segment) for segment in _segments(doc, targets)), default=0)


def check_kind(targets: list[Target], info: MediaInfo, url: str) -> None:
    """UNSUPPORTED_MEDIA when the new media cannot stand in for a target (an image for a sound, ...)."""
    for target in targets:
        if target.bucket == "videos" and info.kind == "audio":
            raise ApiError(
                "UNSUPPORTED_MEDIA", f"url: {clip(url)} is audio; material {target.material['id']} is a video or photo"
            )
        if target.bucket == "audios" and not info.has_audio:
            raise ApiError(
                "UNSUPPORTED_MEDIA",
                f"url: {clip(url)} has no sound; material {target.material['id']} is audio (send audio, or a video "
                "with sound)",
            )


def _too_short(segment: Json, needed: int, info: MediaInfo, url: str) -> ApiError:
    return ApiError(
        "MEDIA_TOO_SHORT",
        f"url: {clip(url)} lasts {info.duration_us / 1e6:.3f} s but segment {segment['id']} plays "
        f"{needed / 1e6:.3f} s of its material; send media at least {needed / 1e6:.3f} s long, or set fit to "
        '"loop", "freeze" or "speed"',
    )


def _speed_material(doc: Json, segment: Json) -> Json:
    """The segment's own `speeds` material (made, or split from one shared with other segments)."""
    speeds = {item["id"]: item for item in doc["materials"].setdefault("speeds", []) if isinstance(item, dict)}
    refs = segment.setdefault("extra_material_refs", [])
    mine = next((ref for ref in refs if ref in speeds), None)
    shared = mine is not None and any(
        mine in (other.get("extra_material_refs") or [])
        for track in doc["tracks"]
        for other in track["segments"]
        if other is not segment
    )
    if mine is not None and not shared:
        return speeds[mine]
    fresh = document.speed_material(1.0)
    document.add_material(doc, "speeds", fresh)
    if mine is not None:
        refs.remove(mine)
    refs.append(fresh["id"])
    return fresh


def _fit_speed(doc: Json, segment: Json, speed: float) -> None:
    segment["speed"] = speed
    _speed_material(doc, segment).update(speed=speed, mode=0, curve_speed=None)


def _rewrite_material(target: Target, media: LocalMedia) -> None:
    old = target.material
    info = media.info
    if target.bucket == "audios":
        new = document.audio_material(media.path, media.name, duration=info.duration_us)
    else:
        kind = "photo" if info.kind == "photo" else "video"
        new = document.video_material(
            media.path, media.name, kind=kind, width=info.width, height=info.height, duration=info.duration_us
        )
        new.update({key: old[key] for key in KEPT_VIDEO_FIELDS if key in old})
    for key in ("id", "material_id", "local_material_id", "music_id"):
        if key in new:
            new[key] = old["id"]
    old.clear()
    old.update(new)


def _plan(segment: Json, info: MediaInfo, fit: str | None, url: str) -> tuple[int, float | None]:
    """(media the segment will play, its new speed or None to keep it); raises when the media cannot fill it."""
    needed = played_us(segment)
    if info.kind == "photo" or info.duration_us >= needed:
        return needed, None
    if fit != "speed":
        raise _too_short(segment, needed, info, url)
    speed = info.duration_us / segment["target_timerange"]["duration"]
    if speed < MIN_SPEED:
        raise ApiError(
            "MEDIA_TOO_SHORT",
            f"url: {clip(url)} lasts {info.duration_us / 1e6:.3f} s: segment {segment['id']} would play it at "
            f"{speed:.3f}x, slower than the app's {MIN_SPEED}x; send media at least "
            f'{segment["target_timerange"]["duration"] * MIN_SPEED / 1e6:.3f} s long, or set fit to "loop" '
            'or "freeze"',
        )
    return info.duration_us, speed


def replace_material(
    doc: Json, targets: list[Target], media: LocalMedia, fit: str | None, url: str
) -> MaterialReplaced:
    """Point the targets at `media` and fit every segment that plays them; raises before changing anything."""
    check_kind(targets, media.info, url)
    plans = [(segment, *_plan(segment, media.info, fit, url)) for segment in _segments(doc, targets)]
    result = MaterialReplaced(material_ids=[target.material["id"] for target in targets])
    for target in targets:
        _rewrite_material(target, media)
    for segment, played, speed in plans:
        if speed is not None:
            _fit_speed(doc, segment, speed)
            result.speeds[segment["id"]] = speed
        segment["source_timerange"] = {"start": 0, "duration": played}
        result.segment_ids.append(segment["id"])
    return result
