"""Hypothesis strategies for drafts built the way a Coze/n8n workflow builds them: through the project's own
editing functions (the code behind add_images, add_videos, add_audios, add_captions, add_keyframes,
add_masks, add_effects, add_filters, add_sticker), with arbitrary microsecond timings and names drawn from
every catalogue family. Used by tests/render/test_random_drafts.py and `make fuzz-render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st

from capcut_mate.drafts import catalogue, document, editing, effects
from capcut_mate.drafts.apps import DEFAULT_APP, AppName
from capcut_mate.drafts.items import (
    KEYFRAME_PROPERTIES,
    AudioInfo,
    CaptionInfo,
    CaptionStyle,
    EffectInfo,
    FilterInfo,
    ImageInfo,
    KeyframeInfo,
    VideoInfo,
)
from capcut_mate.errors import ApiError
from capcut_mate.media.probe import MediaInfo, probe

Json = dict[str, Any]
# Timelines stay a few seconds long so each example renders in about a second on a tiny canvas.
MAX_SEGMENT_US = 2_500_000
MAX_START_US = 3_000_000
LONG_SEGMENT_US = 12_000_000  # now and then a long one (still cheap on a tiny canvas)


def _animation_names(entries: list[Json]) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {"in": [], "out": [], "loop": []}
    for entry in entries:
        names[entry["type"]].append(entry["name"])
    return {kind: sorted(values) for kind, values in names.items()}


@dataclass(frozen=True)
class Names:
    """Every name of one app's catalogues that a workflow may send."""

    transitions: list[str]
    filters: list[str]
    effects: list[str]
    masks: list[str]
    image_animations: dict[str, list[str]]
    text_animations: dict[str, list[str]]


@cache
def names_of(app: AppName) -> Names:
    return Names(
        sorted(t["name"] for t in catalogue.transitions(0, app)),
        sorted(f["name"] for f in catalogue.filters(0, app)),
        sorted(e["name"] for e in catalogue.effects(0, app)),
        list(catalogue.of(app).mask_names),
        _animation_names(catalogue.image_animations(0, None, app)),
        _animation_names(catalogue.text_animations(0, None, app)),
    )


@dataclass(frozen=True)
class Media:
    """The probed fixture files a generated draft may use."""

    photo: editing.LocalMedia
    clip: editing.LocalMedia
    music: editing.LocalMedia

    @classmethod
    def from_dir(cls, folder: Path) -> Media:
        def local(name: str) -> editing.LocalMedia:
            path = folder / name
            info: MediaInfo = probe(path)
            return editing.LocalMedia(str(path), name, info)

        return cls(local("red.png"), local("red.mp4"), local("tone.mp3"))


# Arbitrary µs, biased towards the awkward: sub-frame lengths, half frames, odd microseconds.
micros = st.one_of(
    st.integers(min_value=100, max_value=MAX_SEGMENT_US),
    st.integers(min_value=MAX_SEGMENT_US, max_value=LONG_SEGMENT_US),
    st.integers(min_value=100, max_value=60_000),
    st.sampled_from([100, 16_666, 16_667, 33_333, 50_000, 150_000, 300_000, 333_333, 500_001]),
)
optional_micros = st.one_of(st.none(), st.integers(min_value=1, max_value=3_000_000), micros)


@st.composite
def timed_items(draw: st.DrawFn, count: int, *, adjacent: bool) -> list[tuple[int, int]]:
    """(start, end) pairs on one track, in order and not overlapping: back to back or with gaps."""
    cursor = draw(st.integers(min_value=0, max_value=MAX_START_US // 3))
    spans = []
    for _ in range(count):
        length = draw(micros)
        spans.append((cursor, cursor + length))
        cursor += length + (0 if adjacent else draw(st.integers(min_value=0, max_value=700_000)))
    return spans


@st.composite
def animation_fields(draw: st.DrawFn, names: dict[str, list[str]], *, loop_with_intro: bool) -> Json:
    fields: Json = {}
    use_loop = draw(st.booleans())
    if use_loop:
        fields["loop_animation"] = draw(st.sampled_from(names["loop"]))
        fields["loop_animation_duration"] = draw(optional_micros)
    if not use_loop or loop_with_intro:
        for kind in ("in", "out"):
            if draw(st.booleans()):
                fields[f"{kind}_animation"] = draw(st.sampled_from(names[kind]))
                fields[f"{kind}_animation_duration"] = draw(optional_micros)
    return fields


@st.composite
def drafts(draw: st.DrawFn, media: Media, app: AppName = DEFAULT_APP) -> Json:
    """A draft document for `app` as the API would build it; every edit goes through the editing functions."""
    names = names_of(app)
    width = draw(st.integers(min_value=33, max_value=96))
    height = draw(st.integers(min_value=33, max_value=96))
    fps = draw(st.sampled_from([24.0, 25.0, 30.0, 30.0, 29.97, 60.0]))
    doc = document.new_document(width, height, fps, app)
    clip = editing.placement_clip(doc, alpha=1.0, scale_x=1.0, scale_y=1.0, tx=0.0, ty=0.0)
    visual: list[str] = []

    photos = draw(st.integers(min_value=1, max_value=5))
    items = []
    for start, end in draw(timed_items(photos, adjacent=draw(st.booleans()))):
        fields = draw(animation_fields(names.image_animations, loop_with_intro=False))
        if draw(st.booleans()):
            fields["transition"] = draw(st.sampled_from(names.transitions))
            fields["transition_duration"] = draw(optional_micros)
        items.append(ImageInfo(image_url="x", start=start, end=end, **fields))
    result = editing.add_images(doc, items, [media.photo] * len(items), clip=clip)
    visual += result.segment_ids

    if draw(st.booleans()):
        count = draw(st.integers(min_value=1, max_value=3))
        videos = []
        for start, end in draw(timed_items(count, adjacent=draw(st.booleans()))):
            fields = {}
            if draw(st.booleans()):
                fields["transition"] = draw(st.sampled_from(names.transitions))
                fields["transition_duration"] = draw(optional_micros)
            if draw(st.booleans()):
                fields["mask"] = draw(st.sampled_from(names.masks))
            videos.append(VideoInfo(video_url="x", start=start, end=end, volume=draw(st.floats(0, 2)), **fields))
        speeds = draw(st.one_of(st.none(), st.lists(st.floats(0.25, 4.0), min_size=count, max_size=count)))
        pip = editing.placement_clip(
            doc, alpha=draw(st.floats(0.2, 1.0)), scale_x=draw(st.floats(0.2, 1.5)),
            scale_y=draw(st.floats(0.2, 1.5)), tx=draw(st.floats(-40, 40)), ty=draw(st.floats(-40, 40)),
        )  # fmt: skip
        result = editing.add_videos(doc, videos, [media.clip] * count, clip=pip, speeds=speeds)
        visual += result.segment_ids

    if draw(st.booleans()):
        spans = draw(timed_items(draw(st.integers(min_value=1, max_value=2)), adjacent=False))
        audios = [AudioInfo(audio_url="x", start=s, end=e, volume=draw(st.floats(0, 2))) for s, e in spans]
        editing.add_audios(doc, audios, [media.music] * len(audios))

    if draw(st.booleans()):
        spans = draw(timed_items(draw(st.integers(min_value=1, max_value=6)), adjacent=draw(st.booleans())))
        captions = []
        for start, end in spans:
            text = draw(st.sampled_from(["Hi", "限时优惠", "Hello 世界", "a\nb", "很长的一句字幕 with words"]))
            fields = draw(animation_fields(names.text_animations, loop_with_intro=True))
            keyword = draw(st.one_of(st.none(), st.sampled_from(["世界", "Hello", "长"])))
            captions.append(CaptionInfo(text=text, start=start, end=end, keyword=keyword, **fields))
        style = CaptionStyle(
            text_color=draw(st.sampled_from(["#ffffff", "#ff0000", "#00ff00"])),
            border_color=draw(st.one_of(st.none(), st.just("#000000"))),
            alignment=draw(st.integers(0, 5)),
            font_size=draw(st.integers(4, 30)),
            bold=draw(st.booleans()),
            italic=draw(st.booleans()),
            has_shadow=draw(st.booleans()),
            transform_y=draw(st.floats(-30, 30)),
        )
        visual += _or_reject(lambda: editing.add_captions(doc, style, captions)).segment_ids

    keyframes = []
    for segment_id in draw(st.lists(st.sampled_from(visual), max_size=3)):
        found = document.find_segment(doc, segment_id)
        assert found is not None
        track, seg = found
        length = seg["target_timerange"]["duration"]
        props = [p for p in KEYFRAME_PROPERTIES if p != "KFTypeVolume" or track["type"] == "video"]
        if track["type"] == "text":
            props = [p for p in props if p not in ("KFTypeSaturation", "KFTypeContrast", "KFTypeBrightness")]
        prop = draw(st.sampled_from(props))
        for _ in range(draw(st.integers(1, 3))):
            offset = draw(st.integers(0, length))
            value = _value(draw, prop)
            keyframes.append(KeyframeInfo(segment_id=segment_id, property=prop, offset=offset, value=value))
    if keyframes:
        _or_reject(lambda: effects.add_keyframes(doc, keyframes))

    if draw(st.booleans()):
        start, end = draw(timed_items(1, adjacent=False))[0]
        effects.add_effects(doc, [EffectInfo(effect_title=draw(st.sampled_from(names.effects)), start=start, end=end)])
    if draw(st.booleans()):
        start, end = draw(timed_items(1, adjacent=False))[0]
        item = FilterInfo(
            filter_title=draw(st.sampled_from(names.filters)), start=start, end=end, intensity=draw(st.floats(0, 100))
        )
        effects.add_filters(doc, [item])
    if draw(st.booleans()):
        start, end = draw(timed_items(1, adjacent=False))[0]
        effects.add_sticker(doc, "7226264929151306040", start, end, dict(clip))
    document.recompute_duration(doc)
    return doc


def _value(draw: st.DrawFn, prop: str) -> float:
    """A keyframe value in the range the API accepts for the property."""
    if prop in ("KFTypePositionX", "KFTypePositionY"):
        return draw(st.floats(-1.0, 1.0))
    if prop in ("KFTypeScaleX", "KFTypeScaleY", "UNIFORM_SCALE"):
        return draw(st.floats(0.05, 3.0))
    if prop == "KFTypeRotation":
        return draw(st.floats(-720, 720))
    if prop in ("KFTypeAlpha", "KFTypeVolume"):
        return draw(st.floats(0.0, 1.0))
    return draw(st.floats(-1.0, 1.0))


def _or_reject(call: Any) -> Any:
    """An edit the API would refuse with a 400 (e.g. no room for a loop animation) is not a draft to render."""
    try:
        return call()
    except ApiError:
        reject()
