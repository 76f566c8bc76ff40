"""Request bodies of the decorating endpoints (stickers, effects, filters, keyframes, masks, text style, easy
material). Names, defaults and units are the reference's; the examples feed /openapi.json (Coze import)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from capcut_mate.api.schemas import DRAFT_URL, DraftRef, JsonList
from capcut_mate.api.schemas import examples as _examples
from capcut_mate.drafts.items import TRANSFORM_X_DOC, TRANSFORM_Y_DOC
from capcut_mate.jsontypes import Bool, Float, Int


class AddStickerRequest(DraftRef):
    model_config = _examples(
        {"draft_url": DRAFT_URL, "sticker_id": "7107529669750066445", "start": 0, "end": 5000000, "scale": 0.5,
         "transform_x": 200, "transform_y": -100}
    )  # fmt: skip

    sticker_id: str = Field(..., min_length=1, max_length=64, description="Sticker resource id (from the app)")
    start: Int = Field(..., ge=0, description="µs on the timeline")
    end: Int = Field(..., description="µs on the timeline, > start")
    scale: Float = Field(1.0, gt=0, description="Uniform scale, 1.0 = original")
    transform_x: Float = Field(0, description=TRANSFORM_X_DOC)
    transform_y: Float = Field(0, description=TRANSFORM_Y_DOC)

    @model_validator(mode="after")
    def _ordered(self) -> AddStickerRequest:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be greater than start ({self.start})")
        return self


class AddEffectsRequest(DraftRef):
    model_config = _examples(
        {"draft_url": DRAFT_URL,
         "effect_infos": '[{"effect_title": "录制边框 III", "start": 0, "end": 3000000}]'}
    )  # fmt: skip

    effect_infos: JsonList = Field(
        ..., description="JSON array of {effect_title, start, end}; titles from get_effects (scene or character)"
    )


class AddFiltersRequest(DraftRef):
    model_config = _examples(
        {"draft_url": DRAFT_URL,
         "filter_infos": '[{"filter_title": "复古工业", "start": 0, "end": 3000000, "intensity": 80}]'}
    )  # fmt: skip

    filter_infos: JsonList = Field(
        ..., description="JSON array of {filter_title, start, end, intensity=100 (0-100)}; titles from get_filters"
    )


class AddKeyframesRequest(DraftRef):
    model_config = _examples(
        {"draft_url": DRAFT_URL,
         "keyframes": '[{"segment_id": "d62994b4-25fe-422a-a123-87ef05038558", "property": "KFTypePositionX", '
                      '"offset": 0, "value": -0.1}, {"segment_id": "d62994b4-25fe-422a-a123-87ef05038558", '
                      '"property": "KFTypePositionX", "offset": 1000000, "value": 0.1}]'}
    )  # fmt: skip

    keyframes: JsonList = Field(
        ...,
        description="JSON array of {segment_id, property, offset (µs from the segment start), value}; property is "
        "one of KFTypePositionX/Y, KFTypeScaleX/Y, UNIFORM_SCALE, KFTypeRotation, KFTypeAlpha, KFTypeSaturation, "
        "KFTypeContrast, KFTypeBrightness, KFTypeVolume. Positions with |value| > 1 are pixels.",
    )


class AddMasksRequest(DraftRef):
    model_config = _examples(
        {"draft_url": DRAFT_URL, "segment_ids": ["d62994b4-25fe-422a-a123-87ef05038558"], "name": "圆形",
         "X": 0, "Y": 0, "width": 400, "height": 400, "feather": 20, "rotation": 0, "invert": False, "roundCorner": 0}
    )  # fmt: skip

    segment_ids: list[str] = Field(..., min_length=1, description="Video or image segments to mask")
    name: str = Field("线性", description="线性, 镜面, 圆形, 矩形, 爱心 or 星形")
    X: Float = Field(0, description="px offset of the mask centre from the material centre")
    Y: Float = Field(0, description="px offset of the mask centre from the material centre")
    width: Float = Field(512, gt=0, description="px of the material")
    height: Float = Field(512, gt=0, description="px of the material")
    feather: Float = Field(0, ge=0, le=100)
    rotation: Float = Field(0, description="degrees, clockwise")
    invert: Bool = False
    roundCorner: Float = Field(0, ge=0, le=100, description="rectangle only")


class AddTextStyleRequest(BaseModel):
    model_config = _examples({"text": "五一花语花开，欢迎来到花花世界", "keyword": "花语|花花世界", "font_size": 12,
                              "keyword_color": "#ff7100", "keyword_font_size": 15})  # fmt: skip

    text: str = Field(..., min_length=1)
    keyword: str = Field(..., description="Keywords separated by |")
    font_size: Int = Field(12, ge=1)
    keyword_color: str = Field("#ff7100", description="#RRGGBB")
    keyword_font_size: Int = Field(15, ge=1)


class EasyCreateMaterialRequest(DraftRef):
    model_config = _examples(
        {"draft_url": DRAFT_URL, "audio_url": "https://example.com/voice.mp3", "text": "你好，剪映",
         "img_url": "https://example.com/cover.png", "video_url": None, "text_color": "#ffffff", "font_size": 15,
         "text_transform_y": -400}
    )  # fmt: skip

    audio_url: str = Field(..., min_length=1, description="Audio placed at 0-5 s")
    text: str | None = Field(None, description="Caption shown 0-5 s")
    img_url: str | None = Field(None, description="Image shown 0-3 s")
    video_url: str | None = Field(None, description="Video placed at 0-5 s")
    text_color: str = "#ffffff"
    font_size: Int = Field(15, ge=1)
    text_transform_y: Float = Field(0, description=TRANSFORM_Y_DOC)
