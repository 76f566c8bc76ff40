"""Request bodies of the HTTP API. Item shapes and their validation live in `drafts.items`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from capcut_mate.drafts.apps import DEFAULT_APP, AppName
from capcut_mate.drafts.items import TRANSFORM_X_DOC, TRANSFORM_Y_DOC, CaptionStyle
from capcut_mate.jsontypes import Float, Int

JsonList = str | list[Any]
DRAFT_URL = "https://capcut-mate.example.com/openapi/capcut-mate/v1/get_draft?draft_id=20250101120000a1b2c3d4e5f60718"


def examples(*bodies: dict[str, Any]) -> ConfigDict:
    """Request examples for /openapi.json, so the document imports as a Coze plugin with sample bodies."""
    return ConfigDict(json_schema_extra={"examples": list(bodies)})


class DraftRef(BaseModel):
    model_config = examples({"draft_url": DRAFT_URL})

    draft_url: str = Field(..., description="The draft_url returned by create_draft")


APP_FIELD = Field(
    DEFAULT_APP,
    description="The app the draft is for: jianying (剪映) or capcut (CapCut international); names resolve "
    "against that app's catalogue",
)


class CreateDraftRequest(BaseModel):
    model_config = examples({"width": 1080, "height": 1920}, {"width": 1920, "height": 1080, "app": "capcut"})

    width: Int = Field(1920, ge=1, le=8192, description="Canvas width in pixels")
    height: Int = Field(1080, ge=1, le=8192, description="Canvas height in pixels")
    app: AppName = APP_FIELD


class AddFontRequest(DraftRef):
    model_config = examples({"draft_url": DRAFT_URL, "font_url": "https://example.com/fonts/MyFont-Regular.ttf"})

    font_url: str = Field(..., description="http(s) URL of a TTF, OTF or TTC font file")


class VisualPlacement(BaseModel):
    alpha: Float = Field(1.0, ge=0, le=1)
    scale_x: Float = Field(1.0, gt=0)
    scale_y: Float = Field(1.0, gt=0)
    transform_x: Float = Field(0, description=TRANSFORM_X_DOC)
    transform_y: Float = Field(0, description=TRANSFORM_Y_DOC)


class SceneTimeline(BaseModel):
    start: Int = Field(ge=0)
    end: Int

    @model_validator(mode="after")
    def _ordered(self) -> SceneTimeline:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be greater than start ({self.start})")
        return self


class AddVideosRequest(DraftRef, VisualPlacement):
    model_config = examples(
        {"draft_url": DRAFT_URL, "video_infos": '[{"video_url": "https://example.com/1.mp4", "start": 0, '
         '"end": 5000000, "volume": 1.0, "transition": "叠化", "transition_duration": 500000}, '
         '{"video_url": "https://example.com/2.mp4", "start": 5000000, "end": 10000000}]',
         "alpha": 1.0, "scale_x": 1.0, "scale_y": 1.0, "transform_x": 0, "transform_y": 0}
    )  # fmt: skip

    video_infos: JsonList = Field(..., description="JSON array of {video_url, start, end, volume?, ...}")
    scene_timelines: list[SceneTimeline] | None = None


class AddImagesRequest(DraftRef, VisualPlacement):
    model_config = examples(
        {"draft_url": DRAFT_URL, "image_infos": '[{"image_url": "https://example.com/1.png", "start": 0, '
         '"end": 3000000, "in_animation": "渐显", "out_animation": "渐隐", "transition": "叠化"}, '
         '{"image_url": "https://example.com/2.png", "start": 3000000, "end": 6000000, "loop_animation": "缩放"}]',
         "scale_x": 1.0, "scale_y": 1.0}
    )  # fmt: skip

    image_infos: JsonList = Field(..., description="JSON array of {image_url, start, end, ...}")


class AddAudiosRequest(DraftRef):
    model_config = examples(
        {"draft_url": DRAFT_URL,
         "audio_infos": '[{"audio_url": "https://example.com/bgm.mp3", "start": 0, "end": 10000000, "volume": 0.6}]'}
    )  # fmt: skip

    audio_infos: JsonList = Field(..., description="JSON array of {audio_url, start, end, volume?, ...}")


class AddCaptionsRequest(DraftRef, CaptionStyle):
    model_config = examples(
        {"draft_url": DRAFT_URL, "captions": '[{"start": 0, "end": 3000000, "text": "你好，剪映", "keyword": "剪映", '
         '"in_animation": "渐显", "out_animation": "渐隐"}]', "text_color": "#ffffff", "border_color": "#000000",
         "font_size": 15, "alignment": 1, "transform_y": -400},
        {"draft_url": DRAFT_URL, "srt": "1\n00:00:00,000 --> 00:00:02,500\n你好，剪映\n\n2\n00:00:02,500 --> "
         "00:00:05,000\n字幕来自SRT文件", "time_offset": 1000000, "text_color": "#ffffff", "font_size": 15},
    )  # fmt: skip

    captions: JsonList | None = Field(None, description="JSON array of {start, end, text, keyword?, ...}")
    srt: str | None = Field(
        None, description="Instead of captions: the text of an SRT (or WebVTT) file, or an http(s) URL to one"
    )
    time_offset: Int = Field(0, description="µs added to every srt cue (place the subtitles later on the timeline)")
    font_url: str | None = Field(
        None, description="Instead of font: a TTF/OTF/TTC file URL, stored with the draft (as add_font) and used"
    )

    @model_validator(mode="after")
    def _one_source(self) -> AddCaptionsRequest:
        if (self.captions is None) == (self.srt is None):
            raise ValueError("give either captions (a JSON array) or srt (SRT text or a URL)")
        if self.font_url is not None and self.font:
            raise ValueError("give either font (a name) or font_url (a font file), not both")
        return self


class AudioDurationRequest(BaseModel):
    model_config = examples({"mp3_url": "https://example.com/voice.mp3"})

    mp3_url: str
