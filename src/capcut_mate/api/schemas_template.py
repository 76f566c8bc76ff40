"""Bodies of the template-mode endpoints (bring your own draft): import_draft, replace_material, replace_text,
list_segments; list_segments' answer is a model too, so /openapi.json and the MCP tools describe it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from capcut_mate.api.schemas import DRAFT_URL, DraftRef
from capcut_mate.api.schemas import examples as _examples

SEGMENT_ID = "7255D140-AB06-4f8f-9540-6BA4C868C5F2"


class ImportDraftRequest(BaseModel):
    model_config = _examples({"zip_url": "https://example.com/my-template.zip"})

    zip_url: str = Field(
        ..., description="http(s) URL of a zip of an app draft folder (or send the zip as multipart field `file`)"
    )


class MissingMaterial(BaseModel):
    material_id: str
    type: str = Field(..., description="video, photo or audio")
    name: str
    path: str = Field(..., description="The path the draft gives, which no file of the zip matched")


class ReplaceMaterialRequest(DraftRef):
    model_config = _examples(
        {"draft_url": DRAFT_URL, "material_name": "BG.png", "url": "https://example.com/new-background.jpg"},
        {"draft_url": DRAFT_URL, "material_id": "9835065B-CD77-4271-B967-49AADCE02478",
         "url": "https://example.com/clip.mp4", "fit": "loop"},
    )  # fmt: skip

    material_id: str | None = Field(None, min_length=1, description="Id of the material (see list_segments)")
    material_name: str | None = Field(
        None, min_length=1, description="Or its name / file name (BG.png): every material of that name is replaced"
    )
    url: str = Field(..., description="The new video, image or audio")
    fit: Literal["loop", "freeze", "speed"] | None = Field(
        None,
        description="When the new clip is shorter than a segment plays: loop it, hold its last frame (silence for "
        "audio), or slow the segment down to fit. Unset: a shorter clip is a 400 naming the length needed",
    )

    @model_validator(mode="after")
    def _one_selector(self) -> ReplaceMaterialRequest:
        if (self.material_id is None) == (self.material_name is None):
            raise ValueError("give either material_id or material_name")
        return self


class ReplaceTextRequest(DraftRef):
    model_config = _examples(
        {"draft_url": DRAFT_URL, "match": "{{name}}", "text": "Alice"},
        {"draft_url": DRAFT_URL, "segment_id": SEGMENT_ID, "text": "A whole new line"},
    )  # fmt: skip

    segment_id: str | None = Field(None, min_length=1, description="A text segment: its whole text is replaced")
    match: str | None = Field(
        None, min_length=1, max_length=10_000, description="Or words to replace wherever a text segment has them"
    )
    text: str = Field(..., max_length=10_000, description="The new text (styles are kept, see docs/features.md)")

    @model_validator(mode="after")
    def _one_selector(self) -> ReplaceTextRequest:
        if (self.segment_id is None) == (self.match is None):
            raise ValueError("give either segment_id or match")
        return self


class SegmentEntry(BaseModel):
    id: str
    start: int = Field(..., description="µs on the timeline")
    duration: int = Field(..., description="µs")
    end: int = Field(..., description="µs on the timeline")
    material_id: str
    kind: str | None = Field(
        ..., description="video, photo, audio, text, sticker, effect, filter, …; null when the material is missing"
    )
    material_name: str | None = Field(..., description="Name or file name of a media material (replace_material)")
    path: str | None = Field(..., description="The material's file as the draft references it")
    text: str | None = Field(..., description="The words of a text segment (replace_text)")
    source_start: int | None = Field(..., description="µs into the material where the segment starts playing")
    source_duration: int | None = Field(..., description="µs of the material the segment plays")
    speed: float
    volume: float
    visible: bool
    render_index: int = Field(..., description="Drawing order: higher is on top")


class TrackEntry(BaseModel):
    id: str
    type: str = Field(..., description="video, audio, text, sticker, effect, filter, adjust")
    name: str
    index: int = Field(..., description="Position in the draft's track list")
    attribute: int = Field(..., description="The app's track flags (1 = muted)")
    segments: list[SegmentEntry]


class ListSegmentsResponse(BaseModel):
    code: int
    message: str
    draft_url: str
    width: int
    height: int
    fps: float
    duration: int = Field(..., description="µs: the end of the last visible segment")
    tracks: list[TrackEntry]
