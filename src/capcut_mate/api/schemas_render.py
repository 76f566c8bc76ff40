"""gen_video's optional output choices; the allowed values are render/formats.py's tables."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from capcut_mate.jsontypes import Bool, Float, Int, json_number
from capcut_mate.render.formats import Format, OutputChoice, Quality, Resolution
from capcut_mate.render.graph.loudness import HIGHEST_TARGET, LOWEST_TARGET


class CoverAt(BaseModel):
    time: Int = Field(..., ge=0, description="µs into the video; past its end: the last frame")


class RenderChoices(BaseModel):
    """All optional: without them the video has the draft's canvas and fps, as an H.264/AAC MP4."""

    resolution: Resolution | None = Field(
        None, description="Short side: 480p, 720p, 1080p, 2k (1440) or 4k (2160); aspect kept from the canvas"
    )
    width: Int | None = Field(None, ge=16, le=7680, description="Output width in px (alone: height follows aspect)")
    height: Int | None = Field(None, ge=16, le=7680, description="Output height in px (alone: width follows aspect)")
    fps: Annotated[Literal[24, 25, 30, 50, 60], BeforeValidator(json_number)] | None = Field(
        None, description="Output frame rate (default: the draft's)"
    )
    quality: Quality | None = Field(
        None,
        description="draft (smallest file, quickest encode), standard (default) or high (largest, best); "
        "see the README for the encoder settings",
    )
    format: Format | None = Field(
        None, description="mp4 (H.264/AAC, default), webm (VP9/Opus) or gif (short loops, no sound)"
    )

    cover: bool | CoverAt | None = Field(
        None,
        description="true, or {time} in µs: also store a JPEG poster frame beside the video (cover_url in "
        "gen_video_status); default time: the first frame",
    )
    loudness: Float | None = Field(
        None,
        ge=LOWEST_TARGET,
        le=HIGHEST_TARGET,
        description="Integrated loudness target in LUFS (-70..-5; -14 for most platforms): the sound is "
        "measured, then normalised to it (two-pass EBU R128); the report gives the output's measured loudness",
    )
    duck: Bool | None = Field(
        None,
        description="Lower music and other non-voice sound by 12 dB while a voice clip (add_narration, or "
        'add_audios with role "voice") plays, with smooth ramps',
    )

    @model_validator(mode="after")
    def _one_size(self) -> RenderChoices:
        if self.resolution is not None and (self.width is not None or self.height is not None):
            raise ValueError("give resolution or width/height, not both")
        return self

    def output_choice(self) -> dict[str, Any]:
        """What the task keeps for its worker: the output choices, and `cover` ({"time_us"}) when asked for."""
        choice = OutputChoice(
            self.resolution, self.width, self.height, self.fps, self.quality, self.format, self.loudness, self.duck
        ).to_dict()
        if self.cover:
            choice["cover"] = {"time_us": self.cover.time if isinstance(self.cover, CoverAt) else None}
        return choice
