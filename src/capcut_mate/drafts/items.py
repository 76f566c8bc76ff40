"""The items of the JSON-string fields (video_infos, image_infos, audio_infos, captions) and caption style.

Names, defaults and units are the reference's (shared/spec/API_REFERENCE.md). JSON-string fields accept a
JSON string (what existing clients send) or a real JSON array. Times are µs; floats are truncated to int.
Where the reference silently replaced bad values (volume out of range, end <= start after truncation), we
answer 400 with the field path instead.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from capcut_mate.errors import ApiError
from capcut_mate.jsontypes import Bool, Float, Int, json_number, within

HEX_COLOR_RE = re.compile(r"^#?[0-9a-fA-F]{6}$")


def parse_color(value: str, field: str) -> tuple[float, float, float]:
    """`#RRGGBB` (the `#` and surrounding spaces optional) → RGB floats 0..1."""
    text = value.strip() if isinstance(value, str) else ""
    if not HEX_COLOR_RE.fullmatch(text):
        raise ApiError("VALIDATION_ERROR", f"{field}: {value!r} is not a colour of the form #RRGGBB")
    text = text.lstrip("#")
    red, green, blue = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def _blank_to_none(value: Any) -> Any:
    """The reference's clients send "" for an unset optional duration."""
    return None if value == "" else value


OptionalMicros = Annotated[Annotated[Int, Field(ge=0)] | None, BeforeValidator(_blank_to_none)]
"""An optional duration in µs; "" counts as unset."""


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TimedItem(_Item):
    start: Int = Field(ge=0, description="µs on the timeline")
    end: Int = Field(description="µs on the timeline, > start")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _truncate(cls, value: Any, info: ValidationInfo) -> Any:
        value = json_number(value, info)
        return int(value) if isinstance(value, float) else value

    @model_validator(mode="after")
    def _ordered(self) -> TimedItem:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be greater than start ({self.start})")
        return self


class AnimatedItem(TimedItem):
    in_animation: str | None = None
    out_animation: str | None = None
    loop_animation: str | None = None
    in_animation_duration: OptionalMicros = None
    out_animation_duration: OptionalMicros = None
    loop_animation_duration: OptionalMicros = None


class VideoInfo(TimedItem):
    video_url: str
    duration: Float | None = Field(None, gt=0)
    width: Int | None = Field(None, gt=0)
    height: Int | None = Field(None, gt=0)
    volume: Float = Field(1.0, ge=0, le=10)
    transition: str | None = None
    transition_duration: OptionalMicros = None
    mask: str | None = None


class ImageInfo(AnimatedItem):
    image_url: str
    width: Int | None = Field(None, gt=0)
    height: Int | None = Field(None, gt=0)
    transition: str | None = None
    transition_duration: OptionalMicros = None


class AudioInfo(TimedItem):
    audio_url: str
    duration: Float | None = Field(None, gt=0)
    volume: Float = Field(1.0, ge=0, le=2)
    audio_effect: str | None = None
    role: Literal["voice", "music"] | None = Field(
        None, description="voice (narration, speech) or music: the renderer ducks other audio under a voice"
    )


class ShadowInfo(_Item):
    shadow_alpha: Float = Field(1.0, ge=0, le=1)
    shadow_color: str = "#000000"
    shadow_diffuse: Float = Field(15, ge=0, le=100)
    shadow_distance: Float = Field(5, ge=0, le=100)
    shadow_angle: Float = Field(-45, ge=-180, le=180)


class CaptionInfo(AnimatedItem):
    text: str = Field(min_length=1)
    keyword: str | None = None
    keyword_color: str = "#ff7100"
    keyword_border_color: str | None = None
    keyword_font: str | None = None
    keyword_font_size: Int | None = Field(None, ge=1)
    keyword_has_shadow: Bool = False
    keyword_shadow_info: ShadowInfo | None = None
    font_size: Int | None = Field(None, ge=1)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value


ItemT = TypeVar("ItemT", bound=BaseModel)


def parse_items(field: str, raw: str | list[Any], model: type[ItemT]) -> list[ItemT]:
    """Decode a JSON-string field and validate each element; errors name `field[i].key`."""
    if isinstance(raw, str):
        if not raw.strip():
            raise ApiError("VALIDATION_ERROR", f"{field}: is empty; expected a JSON array of objects")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ApiError("VALIDATION_ERROR", f"{field}: not valid JSON ({exc.msg} at char {exc.pos})") from exc
    else:
        value = raw
    if not isinstance(value, list):
        raise ApiError("VALIDATION_ERROR", f"{field}: expected a JSON array, got {type(value).__name__}")
    if not value:
        raise ApiError("VALIDATION_ERROR", f"{field}: the array is empty")
    adapter = TypeAdapter(model)
    items = []
    for index, element in enumerate(value):
        if not isinstance(element, dict):
            raise ApiError("VALIDATION_ERROR", f"{field}[{index}]: expected an object, got {type(element).__name__}")
        try:
            with within(f"{field}[{index}]"):
                items.append(adapter.validate_python(element))
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}[{index}]" + "".join(f".{p}" for p in err["loc"]) + f": {err['msg']}" for err in exc.errors()
            )
            raise ApiError("VALIDATION_ERROR", problems) from exc
    return items


TRANSFORM_X_DOC = (
    "Horizontal offset from the canvas centre in the reference's unit, where the element moves transform_x / 2 px "
    "(the draft stores transform_x / canvas width, and 1.0 there is half the canvas): 200 moves it 100 px right"
)
TRANSFORM_Y_DOC = (
    "Vertical offset from the canvas centre in the reference's unit, where the element moves transform_y / 2 px "
    "up (the draft stores transform_y / canvas height, 1.0 there is half the canvas, +y up): -400 moves it 200 px "
    "down"
)


class CaptionStyle(BaseModel):
    """The style add_captions applies to every caption of one call."""

    text_color: str = "#ffffff"
    border_color: str | None = None
    alignment: Int = Field(1, ge=0, le=5)
    alpha: Float = Field(1.0, ge=0, le=1)
    font: str | None = None
    font_size: Int = Field(15, ge=1)
    letter_spacing: Float | None = None
    line_spacing: Float | None = None
    scale_x: Float = Field(1.0, gt=0)
    scale_y: Float = Field(1.0, gt=0)
    transform_x: Float = Field(0.0, description=TRANSFORM_X_DOC)
    transform_y: Float = Field(0.0, description=TRANSFORM_Y_DOC)
    style_text: Bool = False
    underline: Bool = False
    italic: Bool = False
    bold: Bool = False
    has_shadow: Bool = False
    shadow_info: ShadowInfo | None = None
    text_effect: str | None = None


KEYFRAME_PROPERTIES = (
    "KFTypePositionX",
    "KFTypePositionY",
    "KFTypeScaleX",
    "KFTypeScaleY",
    "KFTypeRotation",
    "KFTypeAlpha",
    "UNIFORM_SCALE",
    "KFTypeSaturation",
    "KFTypeContrast",
    "KFTypeBrightness",
    "KFTypeVolume",
)


class KeyframeInfo(_Item):
    """One keyframe of add_keyframes: `offset` is µs from the segment's start on the timeline."""

    segment_id: str = Field(min_length=1)
    property: str
    offset: Int = Field(ge=0)
    value: Float

    @field_validator("offset", mode="before")
    @classmethod
    def _truncate(cls, value: Any, info: ValidationInfo) -> Any:
        value = json_number(value, info)
        return int(value) if isinstance(value, float) else value

    @field_validator("property")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KEYFRAME_PROPERTIES:
            raise ValueError(f"unknown property {value!r}; one of {', '.join(KEYFRAME_PROPERTIES)}")
        return value


class EffectInfo(TimedItem):
    effect_title: str = Field(min_length=1)


class FilterInfo(TimedItem):
    filter_title: str = Field(min_length=1)
    intensity: Float = Field(100.0, ge=0, le=100)
