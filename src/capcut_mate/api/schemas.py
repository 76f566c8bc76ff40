"""Request bodies of the HTTP API. Item shapes and their validation live in `drafts.items`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from capcut_mate.drafts.items import CaptionStyle

JsonList = str | list[Any]


class DraftRef(BaseModel):
    draft_url: str = Field(..., description="The draft_url returned by create_draft")


class CreateDraftRequest(BaseModel):
    width: int = Field(1920, ge=1, le=8192, description="Canvas width in pixels")
    height: int = Field(1080, ge=1, le=8192, description="Canvas height in pixels")


class VisualPlacement(BaseModel):
    alpha: float = Field(1.0, ge=0, le=1)
    scale_x: float = Field(1.0, gt=0)
    scale_y: float = Field(1.0, gt=0)
    transform_x: float = Field(0, description="px from the canvas centre")
    transform_y: float = Field(0, description="px from the canvas centre (draft units: +y up)")


class SceneTimeline(BaseModel):
    start: int = Field(ge=0)
    end: int

    @model_validator(mode="after")
    def _ordered(self) -> SceneTimeline:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be greater than start ({self.start})")
        return self


class AddVideosRequest(DraftRef, VisualPlacement):
    video_infos: JsonList = Field(..., description="JSON array of {video_url, start, end, volume?, ...}")
    scene_timelines: list[SceneTimeline] | None = None


class AddImagesRequest(DraftRef, VisualPlacement):
    image_infos: JsonList = Field(..., description="JSON array of {image_url, start, end, ...}")


class AddAudiosRequest(DraftRef):
    audio_infos: JsonList = Field(..., description="JSON array of {audio_url, start, end, volume?, ...}")


class AddCaptionsRequest(DraftRef, CaptionStyle):
    captions: JsonList = Field(..., description="JSON array of {start, end, text, keyword?, ...}")


class AudioDurationRequest(BaseModel):
    mp3_url: str
