"""Request bodies of the pure helper endpoints (timelines and the *_infos builders of add_* inputs)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from capcut_mate.api.schemas import SceneTimeline as Timeline
from capcut_mate.api.schemas import examples as _examples
from capcut_mate.drafts.items import ShadowInfo
from capcut_mate.jsontypes import Bool, Float, Int

MAX_PIECES = 10_000
TWO = [{"start": 0, "end": 3000000}, {"start": 3000000, "end": 6000000}]


class TimelinesRequest(BaseModel):
    model_config = _examples({"duration": 10000000, "num": 3, "start": 0, "type": 0})

    duration: Int = Field(..., ge=0, description="Total length, µs")
    num: Int = Field(..., le=MAX_PIECES, description="Number of pieces (≤ 0 gives none)")
    start: Int = Field(..., ge=0, description="µs")
    type: Int = Field(..., description="0 = even split, anything else = random split (fixed seed)")


class AudioTimelinesRequest(BaseModel):
    model_config = _examples({"links": ["https://example.com/a.mp3", "https://example.com/b.mp3"]})

    links: list[str] = Field(..., max_length=100, description="Audio URLs; their durations are laid end to end")


class AudioInfosRequest(BaseModel):
    model_config = _examples(
        {"mp3_urls": ["https://example.com/a.mp3", "https://example.com/b.mp3"], "timelines": TWO, "volume": 0.8}
    )

    mp3_urls: list[str]
    timelines: list[Timeline]
    audio_effect: str | None = None
    volume: Float | None = Field(None, ge=0, le=2)


class _Animations(BaseModel):
    in_animation: str | None = Field(None, description="Names separated by |; item i takes the i-th")
    in_animation_duration: Int | None = Field(None, ge=0)
    loop_animation: str | None = Field(None, description="Names separated by |")
    loop_animation_duration: Int | None = Field(None, ge=0)
    out_animation: str | None = Field(None, description="Names separated by |")
    out_animation_duration: Int | None = Field(None, ge=0)
    transition: str | None = None
    transition_duration: Int | None = Field(None, ge=0)


class ImgsInfosRequest(_Animations):
    model_config = _examples(
        {"imgs": ["https://example.com/1.png", "https://example.com/2.png"], "timelines": TWO, "width": 1024,
         "height": 1024, "in_animation": "渐显|放大", "in_animation_duration": 500000, "transition": "叠化"}
    )  # fmt: skip

    imgs: list[str]
    timelines: list[Timeline]
    height: Int | None = Field(None, gt=0)
    width: Int | None = Field(None, gt=0)


class CaptionInfosRequest(_Animations):
    model_config = _examples(
        {"texts": ["你好，剪映", "欢迎使用"], "timelines": TWO, "font_size": 15, "keywords": ["剪映"],
         "keyword_color": "#ff7100", "in_animation": "渐显", "out_animation": "渐隐"}
    )  # fmt: skip

    texts: list[str]
    timelines: list[Timeline]
    font_size: Int | None = Field(None, ge=1)
    keyword_color: str | None = None
    keyword_border_color: str | None = None
    keyword_font: str | None = None
    keyword_font_size: Int | None = Field(None, ge=1)
    keyword_has_shadow: Bool | None = None
    keyword_shadow_info: ShadowInfo | None = None
    keywords: list[str] | None = Field(None, description="keywords[i] for caption i ('' once they run out)")


class EffectInfosRequest(BaseModel):
    model_config = _examples({"effects": ["录制边框 III", "1998"], "timelines": TWO})

    effects: list[str]
    timelines: list[Timeline]


class FilterInfosRequest(BaseModel):
    model_config = _examples({"filters": ["复古工业", "1980"], "timelines": TWO, "intensities": [80, 60]})

    filters: list[str]
    timelines: list[Timeline]
    intensities: list[Annotated[Float, Field(ge=0, le=100)]] | None = Field(
        None, description="0-100 each; 100 once the list runs out"
    )


class VideoInfosRequest(BaseModel):
    model_config = _examples(
        {"video_urls": ["https://example.com/1.mp4", "https://example.com/2.mp4"], "timelines": TWO,
         "transition": "叠化", "transition_duration": 500000, "volume": 1.0}
    )  # fmt: skip

    video_urls: list[str]
    timelines: list[Timeline]
    height: Int | None = Field(None, gt=0)
    width: Int | None = Field(None, gt=0)
    mask: str | None = None
    transition: str | None = None
    transition_duration: Int | None = Field(None, ge=0)
    volume: Float = Field(1.0, ge=0, le=10)


class SegmentInfo(Timeline):
    id: str = Field(..., min_length=1)


class KeyframesInfosRequest(BaseModel):
    model_config = _examples(
        {"ctype": "KFTypePositionX", "offsets": "0|100", "values": "0|960", "width": 1920, "height": 1080,
         "segment_infos": [{"id": "d62994b4-25fe-422a-a123-87ef05038558", "start": 0, "end": 3000000}]}
    )  # fmt: skip

    ctype: str = Field(..., description="Keyframe property, e.g. KFTypePositionX")
    offsets: str = Field(..., description="Integer percentages of the segment length separated by |, e.g. 0|50|100")
    values: str = Field(..., description="One value per offset separated by |")
    segment_infos: list[SegmentInfo]
    height: Int | None = Field(None, gt=0, description="Divides KFTypePositionY values (pixels → draft units)")
    width: Int | None = Field(None, gt=0, description="Divides KFTypePositionX values (pixels → draft units)")


class GetUrlRequest(BaseModel):
    model_config = _examples({"output": "https://example.com/video.mp4"})

    output: str


class StrToListRequest(BaseModel):
    model_config = _examples({"obj": "https://example.com/1.png"})

    obj: str


class StrListToObjsRequest(BaseModel):
    model_config = _examples({"infos": ["a", "b"]})

    infos: list[str]


class Output(BaseModel):
    output: str


class ObjsToStrListRequest(BaseModel):
    model_config = _examples({"outputs": [{"output": "a"}, {"output": "b"}]})

    outputs: list[Output]
