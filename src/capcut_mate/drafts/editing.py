"""The editing operations behind add_*: pure functions from (document, validated items, probed media)
to a changed document plus what the response reports. No I/O here."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from capcut_mate.drafts import animations, document, names
from capcut_mate.drafts.catalogue import Catalogue, for_doc
from capcut_mate.drafts.document import Json
from capcut_mate.drafts.effects import MaskShape, apply_mask
from capcut_mate.drafts.fonts import DraftFont, resolve_font
from capcut_mate.drafts.items import (
    AudioInfo,
    CaptionInfo,
    CaptionStyle,
    ImageInfo,
    ShadowInfo,
    TimedItem,
    VideoInfo,
    parse_color,
)
from capcut_mate.errors import ApiError
from capcut_mate.media.probe import MediaInfo

MIN_SEGMENT_US = 100
KIND_NAMES = {"audio": "an audio file", "photo": "a still image", "video": "a video"}


@dataclass(frozen=True)
class LocalMedia:
    """A fetched and probed media file, as it will be referenced from the draft."""

    path: str
    name: str
    info: MediaInfo


@dataclass
class AddResult:
    track_id: str
    material_ids: list[str]
    segment_ids: list[str]
    segment_infos: list[Json]


def check_no_overlap(field: str, items: Sequence[TimedItem]) -> None:
    """Items of one call share one new track, where segments must not overlap."""
    ordered = sorted(enumerate(items), key=lambda pair: pair[1].start)
    for (i, a), (j, b) in itertools.pairwise(ordered):
        if b.start < a.end:
            raise ApiError(
                "VALIDATION_ERROR", f"{field}[{j}] ({b.start}-{b.end}) overlaps {field}[{i}] ({a.start}-{a.end})"
            )


def _canvas(doc: Json) -> tuple[int, int]:
    return doc["canvas_config"]["width"], doc["canvas_config"]["height"]


def placement_clip(doc: Json, *, alpha: float, scale_x: float, scale_y: float, tx: float, ty: float) -> Json:
    """The API's offsets → draft units: value / full canvas size, as the reference stores them. A draft unit is
    half the canvas, so the element moves value / 2 pixels (the reference's unit, kept for its clients)."""
    width, height = _canvas(doc)
    return document.clip_settings(alpha=alpha, scale_x=scale_x, scale_y=scale_y, x=tx / width, y=ty / height)


def add_videos(
    doc: Json,
    items: Sequence[VideoInfo],
    media: Sequence[LocalMedia],
    *,
    clip: Json,
    speeds: Sequence[float] | None = None,
) -> AddResult:
    """One new video track; each clip plays from its start for min(end-start, its length) / speed.

    With `speeds` (from scene_timelines) the clips are laid back to back from the first one's start,
    as the reference does.
    """
    track = document.add_track(doc, "video")
    render_index = len(doc["tracks"]) - 1
    result = AddResult(track["id"], [], [], [])
    cursor = 0
    for index, (item, local) in enumerate(zip(items, media, strict=True)):
        if local.info.kind != "video":
            raise ApiError(
                "UNSUPPORTED_MEDIA",
                f"video_infos[{index}]: {item.video_url} is {KIND_NAMES[local.info.kind]}, not a video"
                + (" (add it with add_audios)" if local.info.kind == "audio" else " (add it with add_images)"),
            )
        speed = speeds[index] if speeds else 1.0
        source_len = min(item.end - item.start, local.info.duration_us)
        target_len = max(MIN_SEGMENT_US, round(source_len / speed))
        start = item.start if not speeds or index == 0 else cursor
        cursor = start + target_len
        material = document.video_material(
            local.path, local.name, kind="video", width=local.info.width, height=local.info.height,
            duration=local.info.duration_us,
        )  # fmt: skip
        document.add_material(doc, "videos", material)
        speed_item = document.speed_material(speed)
        document.add_material(doc, "speeds", speed_item)
        seg = document.segment(
            material["id"], target=(start, target_len), source=(0, source_len), render_index=render_index,
            speed=speed, volume=item.volume, clip=dict(clip), extra_refs=[speed_item["id"]],
        )  # fmt: skip
        track["segments"].append(seg)
        animations.apply_transition(doc, seg, item.transition, item.transition_duration, f"video_infos[{index}]")
        if item.mask:
            apply_mask(doc, seg, MaskShape(name=item.mask), f"video_infos[{index}].mask")
        _record(result, material["id"], seg)
    return result


def add_images(doc: Json, items: Sequence[ImageInfo], media: Sequence[LocalMedia], *, clip: Json) -> AddResult:
    """One new video track of photo segments shown over [start, end)."""
    track = document.add_track(doc, "video")
    render_index = len(doc["tracks"]) - 1
    result = AddResult(track["id"], [], [], [])
    for index, (item, local) in enumerate(zip(items, media, strict=True)):
        if local.info.kind == "audio":
            raise ApiError("UNSUPPORTED_MEDIA", f"image_infos[{index}]: {item.image_url} is audio, not an image")
        kind = "photo" if local.info.kind == "photo" else "video"
        material = document.video_material(
            local.path, local.name, kind=kind, width=local.info.width, height=local.info.height,
            duration=local.info.duration_us,
        )  # fmt: skip
        document.add_material(doc, "videos", material)
        length = item.end - item.start
        if kind == "video":  # an animated GIF: it cannot show more than it has
            length = min(length, local.info.duration_us)
        speed_item = document.speed_material(1.0)
        document.add_material(doc, "speeds", speed_item)
        seg = document.segment(
            material["id"], target=(item.start, length), source=(0, length), render_index=render_index,
            clip=dict(clip), extra_refs=[speed_item["id"]],
        )  # fmt: skip
        track["segments"].append(seg)
        animations.apply_video_animations(doc, seg, item, f"image_infos[{index}]")
        animations.apply_transition(doc, seg, item.transition, item.transition_duration, f"image_infos[{index}]")
        _record(result, material["id"], seg)
    return result


def add_audios(doc: Json, items: Sequence[AudioInfo], media: Sequence[LocalMedia]) -> AddResult:
    """One new audio track; each segment lasts min(end-start, the audio's length)."""
    track = document.add_track(doc, "audio")
    result = AddResult(track["id"], [], [], [])
    for index, (item, local) in enumerate(zip(items, media, strict=True)):
        if local.info.kind == "photo":
            raise ApiError("UNSUPPORTED_MEDIA", f"audio_infos[{index}]: {item.audio_url} is an image, not audio")
        if not local.info.has_audio:
            raise ApiError("UNSUPPORTED_MEDIA", f"audio_infos[{index}]: {item.audio_url} has no audio stream")
        length = max(MIN_SEGMENT_US, min(item.end - item.start, local.info.duration_us))
        effect = _audio_effect(for_doc(doc), item.audio_effect, index) if item.audio_effect else None
        seg = place_audio(
            doc, track, local, target=(item.start, length), source_start=0, volume=item.volume, role=item.role,
            effect=effect,
        )  # fmt: skip
        _record(result, seg["material_id"], seg)
    return result


def place_audio(
    doc: Json,
    track: Json,
    local: LocalMedia,
    *,
    target: tuple[int, int],
    source_start: int,
    volume: float,
    role: str | None,
    effect: Json | None = None,
) -> Json:
    """One audio segment on `track` playing the file from `source_start` for target's length, with its own
    material (marked with `role`), speed and optional audio effect."""
    material = document.audio_material(local.path, local.name, duration=local.info.duration_us, role=role)
    document.add_material(doc, "audios", material)
    speed_item = document.speed_material(1.0)
    document.add_material(doc, "speeds", speed_item)
    refs = [speed_item["id"]]
    if effect is not None:
        refs.append(document.add_material(doc, "audio_effects", effect))
    seg = document.segment(
        material["id"], target=target, source=(source_start, target[1]), render_index=doc["tracks"].index(track),
        volume=volume, extra_refs=refs,
    )  # fmt: skip
    track["segments"].append(seg)
    return seg


def _audio_effect(cat: Catalogue, name: str, index: int) -> Json | None:
    """An audio scene effect or voice tone by name, exported by the app package's own AudioEffect (default
    params)."""
    member = names.resolve(
        cat.audio_effects,
        name,
        f"audio_infos[{index}].audio_effect",
        "the audio effect catalogue (search_names kind audio_effect)",
    )
    return cat.library.audio_segment.AudioEffect(member).export_json() if member is not None else None


def add_captions(
    doc: Json, request: CaptionStyle, items: Sequence[CaptionInfo], draft_fonts: Sequence[DraftFont] = ()
) -> AddResult:
    """One new text track; each caption is a text material with its base style and keyword ranges.

    `draft_fonts` are the fonts stored with the draft (add_font), which `font` / `keyword_font` may name.
    """
    cat = for_doc(doc)
    track = document.add_track(doc, "text")
    render_index = len(doc["tracks"]) - 1
    result = AddResult(track["id"], [], [], [])
    width, height = _canvas(doc)
    alignment, typesetting = _alignment(request.alignment)
    base_color = parse_color(request.text_color, "text_color")
    border = parse_color(request.border_color, "border_color") if request.border_color else None
    shadow = request.shadow_info or (ShadowInfo(shadow_alpha=0.9) if request.has_shadow else None)
    font = resolve_font(request.font, "font", cat, draft_fonts)
    effect_id = text_effect_id(request.text_effect)
    if effect_id:  # a 花字 preset brings its own colours: the reference forces white, no border, no shadow
        base_color, border, shadow = (1.0, 1.0, 1.0), None, None
    for index, item in enumerate(items):
        field = f"captions[{index}]"
        size = item.font_size or request.font_size
        base = _style(
            size=size, color=base_color, border=border, shadow=shadow, font=font,
            bold=request.bold, italic=request.italic, underline=request.underline,
        )  # fmt: skip
        styles = _keyword_styles(item, request, base, field, border, font, cat, draft_fonts, allow_shadow=not effect_id)
        if effect_id:
            styles[0]["effectStyle"] = {"id": effect_id, "path": "C:"}
        content = {"text": item.text, "styles": styles}
        material = document.text_material(
            content, alignment=alignment, typesetting=typesetting,
            letter_spacing=float(int(request.letter_spacing or 0)) * 0.05,
            line_spacing=0.02 + float(int(request.line_spacing or 0)) * 0.05,
            global_alpha=request.alpha, has_border=border is not None, has_shadow=shadow is not None,
        )  # fmt: skip
        document.add_material(doc, "texts", material)
        clip = document.clip_settings(
            alpha=request.alpha, scale_x=request.scale_x, scale_y=request.scale_y,
            x=request.transform_x / width, y=request.transform_y / height,
        )  # fmt: skip
        seg = document.segment(
            material["id"], target=(item.start, item.end - item.start), source=None,
            render_index=render_index, clip=clip,
        )  # fmt: skip
        track["segments"].append(seg)
        if effect_id:
            effect = cat.library.text_segment.TextEffect(effect_id, effect_id)
            document.add_material(doc, "effects", effect.export_json())
            seg["extra_material_refs"].append(effect.global_id)
        animations.apply_text_animations(doc, seg, item, field)
        _record(result, material["id"], seg)
    return result


def text_effect_id(value: str | None) -> str | None:
    """花字 by numeric id only: no installable package carries the reference's title → id table."""
    if not value or not value.strip():
        return None
    if not value.strip().isdigit():
        raise ApiError(
            "VALIDATION_ERROR",
            f"text_effect: {value!r} is not a numeric 花字 id; titles are not supported (no 花字 catalogue is "
            "available), pass the effect id instead",
        )
    return value.strip()


def _record(result: AddResult, material_id: str, seg: Json) -> None:
    """The answer describes the segment as written (a short clip or a speed shortens it), not as requested:
    workflows chain the next call (add_keyframes at offset 100 %) on these times."""
    result.material_ids.append(material_id)
    result.segment_ids.append(seg["id"])
    result.segment_infos.append(document.segment_info(seg))


def _alignment(value: int) -> tuple[int, int]:
    """API alignment 0-5 → (material alignment 0/1/2, typesetting 0 horizontal / 1 vertical)."""
    return {0: (0, 0), 1: (1, 0), 2: (2, 0), 3: (1, 1), 4: (0, 1), 5: (2, 1)}[value]


def _solid(color: tuple[float, float, float], alpha: float = 1.0) -> Json:
    return {"alpha": alpha, "content": {"render_type": "solid", "solid": {"alpha": alpha, "color": list(color)}}}


def _style(
    *,
    size: float,
    color: tuple[float, float, float],
    border: tuple[float, float, float] | None,
    shadow: ShadowInfo | None,
    font: Json | None,
    bold: bool,
    italic: bool,
    underline: bool,
) -> Json:
    style: Json = {"fill": _solid(color), "size": float(size), "bold": bold, "italic": italic, "underline": underline}
    if border is not None:
        style["strokes"] = [{"content": {"solid": {"alpha": 1.0, "color": list(border)}}, "width": 0.08}]
    if shadow is not None:
        style["shadows"] = [
            {
                "diffuse": shadow.shadow_diffuse / 100.0 / 6,
                "alpha": shadow.shadow_alpha,
                "distance": shadow.shadow_distance,
                "content": {"solid": {"color": list(parse_color(shadow.shadow_color, "shadow_info.shadow_color"))}},
                "angle": shadow.shadow_angle,
            }
        ]
    if font is not None:
        style["font"] = font
    return style


def keyword_spans(text: str, keywords: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping [start, end) code-point spans of every keyword; longer keywords win."""
    taken = [False] * len(text)
    spans = []
    for keyword in sorted({k for k in keywords if k}, key=len, reverse=True):
        start = text.find(keyword)
        while start != -1:
            end = start + len(keyword)
            if not any(taken[start:end]):
                spans.append((start, end))
                taken[start:end] = [True] * (end - start)
            start = text.find(keyword, end)
    return sorted(spans)


def _keyword_styles(
    item: CaptionInfo,
    request: CaptionStyle,
    base: Json,
    field: str,
    border: tuple[float, float, float] | None,
    font: Json | None,
    cat: Catalogue,
    draft_fonts: Sequence[DraftFont],
    *,
    allow_shadow: bool = True,
) -> list[Json]:
    """Split the text into base-style and keyword-style ranges covering it exactly."""
    spans = keyword_spans(item.text, (item.keyword or "").split("|"))
    if not spans:
        return [{**base, "range": [0, len(item.text)]}]
    keyword_border = (
        parse_color(item.keyword_border_color, f"{field}.keyword_border_color") if item.keyword_border_color else border
    )
    keyword_shadow = None
    if item.keyword_has_shadow and allow_shadow:
        keyword_shadow = item.keyword_shadow_info or ShadowInfo(shadow_alpha=0.9)
    keyword = _style(
        size=item.keyword_font_size or base["size"],
        color=parse_color(item.keyword_color, f"{field}.keyword_color"),
        border=keyword_border, shadow=keyword_shadow,
        font=(resolve_font(item.keyword_font, f"{field}.keyword_font", cat, draft_fonts) or font)
        if item.keyword_font
        else font,
        bold=request.bold, italic=request.italic, underline=request.underline,
    )  # fmt: skip
    keyword["useLetterColor"] = True
    styles, cursor = [], 0
    for start, end in spans:
        if start > cursor:
            styles.append({**base, "range": [cursor, start]})
        styles.append({**keyword, "range": [start, end]})
        cursor = end
    if cursor < len(item.text):
        styles.append({**base, "range": [cursor, len(item.text)]})
    return styles
