"""Draft document -> timeline plan. Pure: no files, no ffmpeg, so every rule here is unit-testable.

Anything the draft asks for that the plan cannot carry exactly becomes a RenderWarning naming the segment.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from pathlib import PurePosixPath
from typing import Any, cast

from capcut_mate.drafts.document import ROLE_KEY
from capcut_mate.render.chunking.cuts import split
from capcut_mate.render.errors import RenderError
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.animations import Family, Role, animation_motions, classify, transition_motions
from capcut_mate.render.plan.colours import Lut, colour_family, colour_operation
from capcut_mate.render.plan.curves import Bezier, preset
from capcut_mate.render.plan.model import (
    Adjustment,
    AudioClip,
    Background,
    Crop,
    Keyframes,
    Layer,
    Mask,
    Motion,
    Plan,
    Transform,
)
from capcut_mate.render.plan.text import SpokenWord, read_text
from capcut_mate.render.prepare.strips import is_static_text
from capcut_mate.render.timebase import Timebase
from capcut_mate.render.warnings import Warnings

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".heic"}

# Fallback z-order bases when a segment carries no render_index (§2.6, app conventions).
DEFAULT_RENDER_INDEX = {"video": 0, "sticker": 14000, "text": 15000}

KEYFRAME_PROPS = {
    "KFTypePositionX": "x",
    "KFTypePositionY": "y",
    "KFTypeScaleX": "scale_x",
    "KFTypeScaleY": "scale_y",
    "KFTypeRotation": "rotation",
    "KFTypeAlpha": "alpha",
    "KFTypeBrightness": "brightness",
    "KFTypeContrast": "contrast",
    "KFTypeSaturation": "saturation",
}

# Mask names of resource_type "geometric_shape" (pyJianYingDraft MaskType).
GEOMETRIC_SHAPES = {"爱心": "heart", "星形": "star"}

# Buckets apps reference from every segment with neutral defaults; nothing to render.
NEUTRAL_BUCKETS = {
    "speeds",
    "placeholder_infos",
    "placeholders",
    "material_colors",
    "loudnesses",
    "beats",
    "realtime_denoises",
    "sound_channel_mappings",
    "vocal_separations",
}


class _Builder:
    """Walks the draft once, collecting layers, audio clips and warnings."""

    def __init__(self, draft: dict[str, Any]) -> None:
        self.draft = draft
        self.warnings = Warnings()
        self.warn = self.warnings.add
        self.index: dict[str, tuple[str, dict[str, Any]]] = {}
        materials = _object(draft, "materials")
        for bucket, items in materials.items():
            if isinstance(items, list):
                for item in items:
                    if isinstance(item, dict) and item.get("id"):
                        self.index.setdefault(str(item["id"]), (bucket, item))
        graphs = _array(draft, "keyframe_graph_list")
        # Named keyframe curves ("Cubic Out", ...) that keyframes point at by graphID.
        self.graphs = {str(g["id"]): g for g in graphs if isinstance(g, dict) and g.get("id")}


def _object(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    """`mapping[key]` when it is a JSON object, else an empty one: drafts in the wild omit and mistype fields."""
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def _array(mapping: dict[str, Any], key: str) -> list[Any]:
    """`mapping[key]` when it is a JSON array, else an empty one."""
    value = mapping.get(key)
    return value if isinstance(value, list) else []


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _int(value: Any, default: int = 0) -> int:
    try:
        return round(float(value))
    except (TypeError, ValueError):
        return default


def canvas_size(draft: dict[str, Any]) -> tuple[int, int]:
    """The draft's own canvas (before any output override): what an output size relative to it starts from."""
    return _canvas(draft, RenderOptions(), [])


def _canvas(draft: dict[str, Any], options: RenderOptions, notes: list[str]) -> tuple[int, int]:
    """Canvas size from canvas_config (or its ratio string), then the caller's overrides."""
    config = _object(draft, "canvas_config")
    width, height = _int(config.get("width")), _int(config.get("height"))
    if width <= 0 or height <= 0:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*", str(config.get("ratio") or ""))
        rw, rh = (float(match.group(1)), float(match.group(2))) if match else (16.0, 9.0)
        short = 1080
        width, height = (round(short * rw / rh), short) if rw >= rh else (short, round(short * rh / rw))
        notes.append(f"canvas_config has no size; derived {width}x{height} from ratio {config.get('ratio')!r}")
    if options.width and options.height:
        width, height = options.width, options.height
    elif options.width:
        width, height = options.width, max(1, round(options.width * height / width))
    elif options.height:
        width, height = max(1, round(options.height * width / height)), options.height
    return width, height


def _keyframes(
    builder: _Builder, seg: dict[str, Any], seg_id: str, track: str, frame_us: float
) -> tuple[dict[str, Keyframes], Keyframes]:
    """Visual keyframes by property name, and volume keyframes; eased pairs are sampled along their curve."""
    visual: dict[str, Keyframes] = {}
    volume: Keyframes = ()
    for group in seg.get("common_keyframes") or []:
        if not isinstance(group, dict):
            continue
        prop = str(group.get("property_type") or "")
        raw = [kf for kf in group.get("keyframe_list") or [] if isinstance(kf, dict) and kf.get("values")]
        if not raw:
            continue
        raw.sort(key=lambda kf: _int(kf.get("time_offset")))
        points = [(_int(raw[0].get("time_offset")), _num(raw[0]["values"][0]))]
        for kf, following in itertools.pairwise(raw):
            end = (_int(following.get("time_offset")), _num(following["values"][0]))
            curve = _curve(builder, kf, following, points[-1], end, seg_id, track, prop)
            points.extend(curve.sample(frame_us)[1:] if curve is not None else [end])
        if prop == "KFTypeVolume":
            volume = tuple(points)
        elif prop in KEYFRAME_PROPS:
            visual[KEYFRAME_PROPS[prop]] = tuple(points)
        else:
            builder.warn(seg_id, track, "keyframe", f"keyframe property {prop!r} is not supported; ignored")
    for prop in ("brightness", "contrast", "saturation"):
        if prop in visual:
            builder.warn(seg_id, track, "keyframe", f"{prop} keyframes approximated with ffmpeg eq")
    return visual, volume


def _handle(kf: dict[str, Any], side: str) -> tuple[float, float]:
    control = _object(kf, side)
    return _num(control.get("x")), _num(control.get("y"))


def _curve(
    builder: _Builder,
    kf: dict[str, Any],
    following: dict[str, Any],
    start: tuple[int, float],
    end: tuple[int, float],
    seg_id: str,
    track: str,
    prop: str,
) -> Bezier | None:
    """The eased curve between two keyframes, or None for a straight line (curves.py).

    Handles win when written (the app writes them for every preset); a named preset without handles gets the
    preset's handles; any other curve name is drawn straight and reported.
    """
    if end[0] <= start[0]:
        return None
    graphs = [builder.graphs.get(str(k.get("graphID") or "")) for k in (kf, following)]
    if any(graph and graph.get("graph_points") for graph in graphs):
        builder.warn(seg_id, track, "keyframe_curve", f"{prop} custom curve points are not read; drawn from handles")
    right, left = _handle(kf, "right_control"), _handle(following, "left_control")
    if right != (0.0, 0.0) or left != (0.0, 0.0):
        return Bezier.from_handles(start, end, right, left)
    names = [str(kf.get("curveType") or "Line")] + [str(g.get("resource_name") or "") for g in graphs if g]
    for name in names:
        key = preset(name)
        if key is not None:
            return Bezier.from_preset(key, start, end)
    unknown = [name for name in names if name and name != "Line" and not name.startswith("FreeCurve")]
    if unknown:
        builder.warn(seg_id, track, "keyframe_curve", f"{prop} curve {unknown[0]!r} approximated as linear")
    return None  # Line, or a FreeCurve with both handles at their keyframes: a straight line exactly


def _transform(seg: dict[str, Any], keyframes: dict[str, Keyframes]) -> Transform:
    clip = _object(seg, "clip")
    scale = _object(clip, "scale")
    pos = _object(clip, "transform")
    flip = _object(clip, "flip")
    uniform = _object(seg, "uniform_scale")
    sx = _num(scale.get("x"), 1.0)
    sy = sx if uniform.get("on") else _num(scale.get("y"), 1.0)
    if uniform.get("on") and "scale_x" in keyframes:
        keyframes["scale_y"] = keyframes["scale_x"]
    return Transform(
        x=_num(pos.get("x")),
        y=_num(pos.get("y")),
        scale_x=sx,
        scale_y=sy,
        rotation=_num(clip.get("rotation")),
        alpha=_num(clip.get("alpha"), 1.0),
        flip_h=bool(flip.get("horizontal")),
        flip_v=bool(flip.get("vertical")),
        keyframes=keyframes,
    )


def _motions(builder: _Builder, animations: list[Any], duration: int, seg_id: str, track: str) -> list[Motion]:
    """Intro/outro/loop animations by name (§5) through their nearest family; unknown names are reported.

    Where each plays follows the role, not the written `start` (the app saves 0 for an outro, pyJianYingDraft
    writes duration − length): an intro starts with the segment, an outro ends with it, a loop fills the time
    between them, a group animation starts with the segment.
    """
    entries = [anim for anim in animations if isinstance(anim, dict)]

    def length_of(anim: dict[str, Any]) -> int:
        return max(0, min(_int(anim.get("duration")), duration))

    intro = max((length_of(a) for a in entries if a.get("type") == "in"), default=0)
    outro = max((length_of(a) for a in entries if a.get("type") == "out"), default=0)
    motions: list[Motion] = []
    for anim in entries:
        name = str(anim.get("name") or "")
        kind = str(anim.get("type") or "")
        start, length = 0, length_of(anim)
        if kind == "out":
            start = duration - length
        elif kind == "loop":
            start, length = intro, max(0, duration - intro - outro)
            if length == 0:
                builder.warn(seg_id, track, "animation", f"loop animation {name!r} has no time between in and out")
                continue
        role = cast(Role, kind)
        family = classify(name, role) if kind in ("in", "out", "loop", "group") and length > 0 else None
        found = animation_motions(family, role, start, length) if family is not None else []
        if family is None or not found:
            builder.warn(seg_id, track, "animation", f"{kind} animation {name!r} is not supported; ignored")
            continue
        motions.extend(found)
        builder.warn(seg_id, track, "animation", f"{kind} animation {name!r} approximated as {family.kind}")
    return motions


def _crop(material: dict[str, Any]) -> Crop | None:
    crop = _object(material, "crop")
    if not crop:
        return None
    left = min(_num(crop.get("upper_left_x")), _num(crop.get("lower_left_x")))
    top = min(_num(crop.get("upper_left_y")), _num(crop.get("upper_right_y")))
    right = max(_num(crop.get("upper_right_x"), 1.0), _num(crop.get("lower_right_x"), 1.0))
    bottom = max(_num(crop.get("lower_left_y"), 1.0), _num(crop.get("lower_right_y"), 1.0))
    box = Crop(max(0.0, left), max(0.0, top), min(1.0, right), min(1.0, bottom))
    if box == Crop(0.0, 0.0, 1.0, 1.0) or box.right <= box.left or box.bottom <= box.top:
        return None
    return box


class _Extras:
    """What a segment's extra_material_refs ask for."""

    def __init__(self) -> None:
        self.fade_in = 0
        self.fade_out = 0
        self.animations: list[Any] = []
        self.transition: dict[str, Any] | None = None
        self.mask: Mask | None = None
        self.background: Background | None = None
        self.chroma: tuple[str, float] | None = None
        self.curve_speed = False


def _extras(builder: _Builder, seg: dict[str, Any], seg_id: str, track: str) -> _Extras:
    """Dispatch each referenced material on (bucket, type); never on list order."""
    out = _Extras()
    seen_masks = False
    for ref in seg.get("extra_material_refs") or []:
        found = builder.index.get(str(ref))
        if found is None:
            continue  # dangling references are common in app drafts and carry nothing to render
        bucket, item = found
        kind = str(item.get("type") or "")
        name = str(item.get("name") or item.get("effect_name") or "")
        if bucket == "speeds":
            out.curve_speed = _int(item.get("mode")) == 1
        elif bucket == "audio_fades":
            out.fade_in = max(0, _int(item.get("fade_in_duration")))
            out.fade_out = max(0, _int(item.get("fade_out_duration")))
        elif bucket == "material_animations":
            out.animations.extend(item.get("animations") or [])
        elif bucket == "transitions":
            out.transition = item
        elif bucket in ("masks", "common_mask"):
            if not seen_masks:
                out.mask = _mask(builder, item, seg_id, track)
                seen_masks = True
        elif bucket == "canvases":
            if kind == "canvas_color" and item.get("color"):
                out.background = Background("color", color=str(item["color"]))
            elif kind == "canvas_blur":
                out.background = Background("blur", blur=_num(item.get("blur"), 0.375))
            elif kind not in ("canvas_color", ""):
                builder.warn(seg_id, track, "background", f"background fill {kind!r} is not supported")
        elif bucket == "chromas":
            color = str(item.get("color") or "#00ff00")[:7]
            out.chroma = (color, max(0.01, min(1.0, _num(item.get("intensity_value"), 0.3))))
            builder.warn(seg_id, track, "chroma", "chroma key approximated with ffmpeg chromakey")
        elif bucket in NEUTRAL_BUCKETS:
            _check_neutral(builder, bucket, item, seg_id, track)
        else:
            label = f"{bucket}/{kind}" if kind else bucket
            builder.warn(seg_id, track, label, f"{label} {name!r} is not rendered (app-only resource); ignored")
    return out


def _check_neutral(builder: _Builder, bucket: str, item: dict[str, Any], seg_id: str, track: str) -> None:
    """Neutral buckets only matter when they hold a non-default setting."""
    active = (bucket == "vocal_separations" and _int(item.get("choice")) != 0) or (
        bucket == "sound_channel_mappings" and str(item.get("type") or "none") != "none"
    )
    if active:
        builder.warn(seg_id, track, bucket, f"{bucket} setting is not rendered; ignored")


def _mask(builder: _Builder, item: dict[str, Any], seg_id: str, track: str) -> Mask | None:
    shape = str(item.get("resource_type") or "")
    config = _object(item, "config")
    if shape == "geometric_shape":
        shape = GEOMETRIC_SHAPES.get(str(item.get("name") or ""), shape)
    if shape not in ("circle", "rectangle", "line", "mirror", "heart", "star"):
        builder.warn(seg_id, track, "mask", f"mask {shape or item.get('name')!r} is not supported; ignored")
        return None
    builder.warn(seg_id, track, "mask", f"{shape} mask approximated (y direction unverified)")
    return Mask(
        shape=shape,  # type: ignore[arg-type]
        center_x=_num(config.get("centerX")),
        center_y=_num(config.get("centerY")),
        width=_num(config.get("width"), 1.0),
        height=_num(config.get("height"), 1.0),
        rotation=_num(config.get("rotation")),
        feather=_num(config.get("feather")),
        invert=bool(config.get("invert")),
        round_corner=_num(config.get("roundCorner")),
    )


def _render_index(seg: dict[str, Any], ttype: str) -> int:
    render_index = seg.get("render_index")
    return _int(render_index if render_index is not None else DEFAULT_RENDER_INDEX.get(ttype, 0))


def _adjustment(
    builder: _Builder, seg: dict[str, Any], label: str, timing: tuple[int, int], canvas: tuple[int, int]
) -> Adjustment | None:
    """A filter/effect-track item as a colour filter or a .cube LUT; every other name is reported."""
    seg_id = str(seg.get("id") or "")
    found = builder.index.get(str(seg.get("material_id") or ""))
    if found is None:
        builder.warn(seg_id, label, "material", f"material {seg.get('material_id')!r} not found; skipped")
        return None
    bucket, item = found
    name = str(item.get("name") or item.get("effect_name") or "")
    kind = str(item.get("type") or "")
    feature = f"{bucket}/{kind}" if kind else bucket
    path = str(item.get("path") or "")
    if path.lower().endswith(".cube"):
        builder.warn(seg_id, label, feature, f"LUT {name or path!r} applied with lut3d at full intensity")
        return Adjustment(seg_id, label, *timing, colour=Lut(path))
    intensity = _num(item.get("value"), 1.0) if bucket == "effects" else 1.0
    operation = colour_operation(name, intensity, canvas)
    if operation is None:
        builder.warn(seg_id, label, feature, f"{feature} {name!r} is not rendered (app-only resource); ignored")
        return None
    builder.warn(seg_id, label, feature, f"{feature} {name!r} approximated as a {colour_family(name)} colour filter")
    return Adjustment(seg_id, label, *timing, colour=operation)


def _sticker_image(builder: _Builder, seg: dict[str, Any]) -> bool:
    """Whether a sticker's material names a local image (or GIF) to draw like a photo."""
    found = builder.index.get(str(seg.get("material_id") or ""))
    path = str(found[1].get("path") or "") if found else ""
    return PurePosixPath(path.replace("\\", "/")).suffix.lower() in IMAGE_SUFFIXES | {".gif"}


def _is_photo(material: dict[str, Any]) -> bool:
    path = str(material.get("path") or "")
    return material.get("type") == "photo" or PurePosixPath(path.replace("\\", "/")).suffix.lower() in (IMAGE_SUFFIXES)


def build_plan(draft: dict[str, Any], options: RenderOptions | None = None) -> Plan:
    """Turn a draft document into layers (bottom to top) and audio clips, with warnings and notes."""
    options = options or RenderOptions()
    builder = _Builder(draft)
    notes: list[str] = []
    canvas_w, canvas_h = _canvas(draft, options, notes)
    width, height = canvas_w + canvas_w % 2, canvas_h + canvas_h % 2
    if (width, height) != (canvas_w, canvas_h):
        notes.append(
            f"canvas {canvas_w}x{canvas_h} padded to {width}x{height} with black at the right/bottom edge: "
            "H.264 4:2:0 needs even sizes (rule: round each odd dimension up by 1 px, never scale)"
        )
    fps = float(options.fps or _num(draft.get("fps"), 30.0) or 30.0)

    keyed_layers: list[tuple[tuple[int, int, int], Layer]] = []
    keyed_adjustments: list[tuple[tuple[int, int, int], Adjustment]] = []
    audio: list[AudioClip] = []
    # A video track's layers as (position in keyed_layers, its transition): transitions change both neighbours.
    video_tracks: list[tuple[str, list[tuple[int, dict[str, Any] | None]]]] = []
    tracks = draft.get("tracks") or []
    main_track_seen = False
    ends = [0]  # the draft's length: the latest end of any visible segment, rendered or not (as the app counts)
    for track_index, track in enumerate(tracks):
        if not isinstance(track, dict):
            continue
        ttype = str(track.get("type") or "")
        label = str(track.get("name") or "") or f"{ttype} track {track_index}"
        muted = bool(_int(track.get("attribute")) & 1)
        segments = [s for s in track.get("segments") or [] if isinstance(s, dict)]
        segments.sort(key=lambda s: _int((s.get("target_timerange") or {}).get("start")))
        track_layers: list[tuple[int, dict[str, Any] | None]] = []
        for seg in segments:
            seg_id = str(seg.get("id") or "")
            if seg.get("visible") is False:
                continue
            target = seg.get("target_timerange") or {}
            start, duration = _int(target.get("start")), _int(target.get("duration"))
            if duration <= 0:
                builder.warn(seg_id, label, "timing", "segment has no duration; skipped")
                continue
            ends.append(start + duration)
            if ttype in ("filter", "effect"):
                adjustment = _adjustment(builder, seg, label, (start, duration), (canvas_w, canvas_h))
                if adjustment is not None:
                    keyed_adjustments.append(((_render_index(seg, ttype), track_index, start), adjustment))
                continue
            if ttype == "sticker" and not _sticker_image(builder, seg):
                message = "sticker has no local image (the app fetches it by resource id); not rendered"
                builder.warn(seg_id, label, "sticker_track", message)
                continue
            if ttype not in ("video", "audio", "text", "sticker"):
                builder.warn(seg_id, label, f"{ttype}_track", f"{ttype} segments are not rendered; skipped")
                continue
            found = builder.index.get(str(seg.get("material_id") or ""))
            if found is None:
                builder.warn(seg_id, label, "material", f"material {seg.get('material_id')!r} not found; skipped")
                continue
            bucket, material = found
            keyframes, volume_kf = _keyframes(builder, seg, seg_id, label, 1e6 / fps)
            extras = _extras(builder, seg, seg_id, label)
            source = _object(seg, "source_timerange")
            src_start = max(0, _int(source.get("start")))
            speed = _num(seg.get("speed"), 1.0) or 1.0
            if extras.curve_speed and _int(source.get("duration")) > 0:
                speed = _int(source.get("duration")) / duration
                builder.warn(seg_id, label, "curve_speed", f"curve speed approximated by its mean rate {speed:.3f}")
            reverse = bool(seg.get("reverse"))
            reverse_path = str(material.get("reverse_path") or "") if reverse else ""
            sound = AudioClip(  # the segment's own sound: an audio file, or the clip audio of a video
                seg_id,
                label,
                str(material.get("path") or ""),
                start,
                duration,
                src_start,
                speed=speed,
                volume=_num(seg.get("volume"), 1.0),
                volume_keyframes=volume_kf,
                fade_in_us=extras.fade_in,
                fade_out_us=extras.fade_out,
                pitch_follows_speed=bool(seg.get("is_tone_modify")) and speed != 1.0,
                from_video=ttype == "video",
                reverse=reverse,
                reverse_path=reverse_path,
                role=str(material.get(ROLE_KEY) or "") if ttype == "audio" else "",
            )
            if ttype == "audio":
                if extras.animations or keyframes:
                    builder.warn(seg_id, label, "audio", "visual settings on an audio segment ignored")
                if not muted:
                    audio.append(sound)
                continue
            if ttype == "text" and bucket != "texts":
                builder.warn(seg_id, label, bucket, f"{bucket} material is not rendered (app-only); skipped")
                continue
            if ttype == "video" and bucket != "videos":
                builder.warn(seg_id, label, bucket, f"{bucket} material on a video track is not rendered")
                continue
            transform = _transform(seg, keyframes)
            main_clip = ttype == "video" and not main_track_seen
            layer = Layer(
                segment_id=seg_id,
                track=label,
                kind="text" if ttype == "text" else ("photo" if _is_photo(material) else "video"),
                start_us=start,
                duration_us=duration,
                transform=transform,
                material_path=str(material.get("path") or ""),
                text=read_text(material) if ttype == "text" else None,
                source_start_us=src_start,
                speed=speed,
                crop=_crop(material) if ttype == "video" else None,
                mask=extras.mask,
                chroma=extras.chroma,
                background=extras.background if main_clip else None,
                motions=tuple(_motions(builder, extras.animations, duration, seg_id, label)),
                reverse=reverse and ttype == "video",
                reverse_path=reverse_path,
            )
            has_sound_settings = extras.fade_in or extras.fade_out or volume_kf
            if layer.kind != "video" and (has_sound_settings or seg.get("volume") not in (None, 1, 1.0)):
                builder.warn(seg_id, label, "volume", "audio settings on a silent segment ignored")
            if extras.background is not None and main_clip:
                builder.warn(seg_id, label, "background", f"background {extras.background.kind} approximated")
            elif extras.background is not None:
                builder.warn(seg_id, label, "background", "background filling applies to main-track clips only")
            if layer.kind == "video" and not muted:
                audio.append(sound)
            track_layers.append((len(keyed_layers), extras.transition))
            for window in _spoken_windows(builder, layer):
                keyed_layers.append(((_render_index(seg, ttype), track_index, window.start_us), window))
        if ttype == "video" and track_layers:
            if not main_track_seen:
                _check_main_track(builder, draft, [keyed_layers[i][1] for i, _ in track_layers], label)
            main_track_seen = True
            video_tracks.append((label, track_layers))
        elif ttype == "text":
            for i, transition in track_layers:
                if transition is not None:
                    message = "transitions on text are not rendered"
                    builder.warn(keyed_layers[i][1].segment_id, label, "transition", message)

    for label, track_layers in video_tracks:
        positions = [i for i, _ in track_layers]
        drawn = _apply_transitions(
            builder, label, [keyed_layers[i][1] for i in positions], [t for _, t in track_layers], fps
        )
        for i, layer in zip(positions, drawn, strict=True):
            keyed_layers[i] = (keyed_layers[i][0], layer)

    if not keyed_layers and not audio:
        raise RenderError("DRAFT_EMPTY", "the draft has no visible segment to render; add media first")
    timebase = Timebase.of(fps)
    total_f = timebase.frame_count(max(ends))
    snapped = [(key, _snap_layer(builder, layer, timebase, total_f)) for key, layer in keyed_layers]
    shown = sorted(((key, layer) for key, layer in snapped if layer is not None), key=lambda item: item[0])
    layers = tuple(layer for _, layer in shown)
    keys = [key for key, _ in shown]
    kept = [(key, _snap_adjustment(builder, adjustment, timebase, total_f)) for key, adjustment in keyed_adjustments]
    adjustments = tuple(
        dataclasses.replace(adjustment, below=bisect.bisect_left(keys, key))  # acts on everything below
        for key, adjustment in sorted(kept, key=lambda item: item[0])
        if adjustment is not None
    )
    return Plan(
        canvas_width=canvas_w,
        canvas_height=canvas_h,
        width=width,
        height=height,
        fps=fps,
        duration_us=timebase.us(total_f),
        layers=layers,
        audio=tuple(audio),
        warnings=tuple(builder.warnings),
        notes=tuple(notes),
        adjustments=adjustments,
        # Chunks join by stream copy into MP4; a webm or a GIF (one palette for the whole clip) is one pass.
        chunks=tuple(split(layers, timebase.us(total_f), fps, options.chunk_seconds if options.format == "mp4" else 0)),
    )


def _spoken_windows(builder: _Builder, layer: Layer) -> list[Layer]:
    """A karaoke caption as one layer per word window, each drawn with its word in the karaoke colour (and
    the text plain between words); any other layer as it is. Every window is a static text image, so a track
    of them costs what its captions did (prepare/strips.py). Text that moves keeps one plain layer."""
    block = layer.text
    if block is None or block.karaoke is None:
        return [layer]
    if not is_static_text(layer):
        message = "karaoke highlight not drawn on moving text: whole text drawn"
        builder.warn(layer.segment_id, layer.track, "karaoke", message)
        return [dataclasses.replace(layer, text=dataclasses.replace(block, karaoke=None))]
    spans: list[tuple[int, int, SpokenWord | None]] = []  # back to back from 0 to the caption's end
    at = 0
    for word in block.karaoke.words:
        start = min(max(word.start_us, at), layer.duration_us)
        end = min(max(word.end_us, start), layer.duration_us)
        spans += [(at, start, None), (start, end, word)]
        at = end
    spans.append((at, layer.duration_us, None))
    return [
        dataclasses.replace(layer, start_us=layer.start_us + a, duration_us=b - a, text=block.highlighted(word))
        for a, b, word in spans
        if b > a
    ]


def _snap_layer(builder: _Builder, layer: Layer, timebase: Timebase, total_f: int) -> Layer | None:
    """A layer and its motion windows on frame boundaries, clamped into the output; None = not shown.

    Motion windows are also clamped into the layer's own span (lead and tail included), so no fade or wipe
    can start before the layer's first frame or end after its last; a window left with no frame is dropped
    and reported, never sent to ffmpeg.
    """
    frame = timebase.frame
    start_f, end_f = frame(layer.start_us), min(total_f, frame(layer.start_us + layer.duration_us))
    if end_f <= start_f:
        builder.warn(layer.segment_id, layer.track, "timing", "shorter than one frame; not shown")
        return None
    first_f = max(0, min(start_f, frame(layer.start_us - layer.lead_us)))
    last_f = min(total_f, max(end_f, frame(layer.start_us + layer.duration_us + layer.tail_us)))
    origin = timebase.us(start_f)
    motions = []
    for motion in layer.motions:
        begin = max(first_f, min(last_f, frame(layer.start_us + motion.start_us)))
        finish = max(first_f, min(last_f, frame(layer.start_us + motion.start_us + motion.duration_us)))
        if finish <= begin:
            builder.warn(
                layer.segment_id, layer.track, "animation", f"{motion.kind} lasts less than one frame; not drawn"
            )
            continue
        local = timebase.us(begin) - origin
        motions.append(dataclasses.replace(motion, start_us=local, duration_us=timebase.us(finish) - origin - local))
    return dataclasses.replace(
        layer,
        motions=tuple(motions),
        start_us=origin,
        duration_us=timebase.us(end_f) - origin,
        lead_us=origin - timebase.us(first_f),
        tail_us=timebase.us(last_f) - timebase.us(end_f),
    )


def _snap_adjustment(builder: _Builder, adjustment: Adjustment, timebase: Timebase, total_f: int) -> Adjustment | None:
    """A filter/effect window on frame boundaries inside the output; None (reported) when no frame is left."""
    start_f = min(total_f, timebase.frame(adjustment.start_us))
    end_f = min(total_f, timebase.frame(adjustment.start_us + adjustment.duration_us))
    if end_f <= start_f:
        builder.warn(adjustment.segment_id, adjustment.track, "timing", "shorter than one frame; not shown")
        return None
    start_us = timebase.us(start_f)
    return dataclasses.replace(adjustment, start_us=start_us, duration_us=timebase.us(end_f) - start_us)


def _check_main_track(builder: _Builder, draft: dict[str, Any], layers: list[Layer], label: str) -> None:
    """The app's magnet packs main-track clips from 0 without gaps; we render times as written, and say so."""
    config = _object(draft, "config")
    if not config.get("maintrack_adsorb"):
        return
    cursor = 0
    for layer in layers:
        if layer.start_us - cursor > 1000:
            builder.warn(
                layer.segment_id,
                label,
                "main_track_gap",
                f"main track has a gap before this clip ({(layer.start_us - cursor) / 1e6:.3f} s) while the "
                "magnet is on; the app would close it, rendered as written",
            )
        cursor = layer.start_us + layer.duration_us


def _apply_transitions(
    builder: _Builder, label: str, track: list[Layer], transitions: list[dict[str, Any] | None], fps: float
) -> list[Layer]:
    """The track's layers with their transitions drawn: one sits on the earlier clip, its window centred on
    the cut (§5). `transitions[i]` is layer i's.

    Drawn by the name's family (animations.py): the outgoing clip is held for d/2 past the cut and the
    incoming one (the later segment of the track, so layered on top) starts d/2 early; a dissolve fades it
    in over d. Names outside every family are drawn as a dissolve and reported. Clips that overlap (the
    app's `is_overlap` layout) are first cut at the middle of the overlap (_cut_overlap), so the window is
    the overlap itself.
    """
    frame = 1e6 / fps
    layers = list(track)
    for i, transition in enumerate(transitions[:-1]):
        if transition is None:
            continue
        layer, following = layers[i], layers[i + 1]
        name = str(transition.get("name") or "")
        gap = following.start_us - (layer.start_us + layer.duration_us)
        duration = min(_int(transition.get("duration")), layer.duration_us, following.duration_us)
        cut = _cut_overlap(layer, following) if -gap > frame else None
        if cut is not None:
            (layer, following), gap, duration = cut, 0, -gap
            layers[i], layers[i + 1] = layer, following
        if abs(gap) > frame or duration <= 0:
            builder.warn(layer.segment_id, label, "transition", f"transition {name!r} has no adjacent clip")
            continue
        family = classify(name, "transition")
        drawn = transition_motions(family or Family("dissolve"), duration // 2, layer.duration_us)
        layers[i] = dataclasses.replace(layer, tail_us=drawn.tail_us, motions=(*layer.motions, *drawn.outgoing))
        layers[i + 1] = dataclasses.replace(
            following, lead_us=drawn.lead_us, motions=(*drawn.incoming, *following.motions)
        )
        if family is None:
            builder.warn(layer.segment_id, label, "transition", f"transition {name!r} approximated as a dissolve")
        elif family.kind != "dissolve":
            message = f"transition {name!r} approximated as {family.kind}"
            builder.warn(layer.segment_id, label, "transition", message)
    if transitions[-1] is not None:
        builder.warn(layers[-1].segment_id, label, "transition", "transition after the last clip ignored")
    return layers


def _cut_overlap(outgoing: Layer, incoming: Layer) -> tuple[Layer, Layer] | None:
    """Clips overlapping by o (the app's layout) as adjacent ones cut at the overlap's middle.

    The adjacent window then spans the overlap exactly: the outgoing clip plays on through its tail (o/2,
    the source it really shows there) and the incoming one starts o/2 early from its own first source frame,
    so every frame is the one the app shows. The incoming clip's keyframes and animations keep their
    timeline times. None when the later clip does not outlast the earlier (no cut to draw).
    """
    overlap = outgoing.start_us + outgoing.duration_us - incoming.start_us
    if incoming.start_us <= outgoing.start_us or incoming.duration_us <= overlap:
        return None
    half = overlap // 2
    keyframes = {prop: tuple((t - half, v) for t, v in points) for prop, points in incoming.transform.keyframes.items()}
    return dataclasses.replace(outgoing, duration_us=incoming.start_us + half - outgoing.start_us), dataclasses.replace(
        incoming,
        start_us=incoming.start_us + half,
        duration_us=incoming.duration_us - half,
        source_start_us=incoming.source_start_us + round(half * incoming.speed),
        transform=dataclasses.replace(incoming.transform, keyframes=keyframes),
        motions=tuple(dataclasses.replace(m, start_us=m.start_us - half) for m in incoming.motions),
    )
