"""Request body of add_narration: the script, the engine and voice, where the narration goes, and
add_captions' style fields for its captions."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, field_validator, model_validator

from capcut_mate.api.schemas import DRAFT_URL, DraftRef
from capcut_mate.api.schemas import examples as _examples
from capcut_mate.drafts.items import CaptionStyle
from capcut_mate.jsontypes import Bool, Float, Int

MAX_TEXT_CHARS = 5000
MAX_SENTENCES = 200


class AddNarrationRequest(DraftRef, CaptionStyle):
    model_config = _examples(
        {"draft_url": DRAFT_URL, "text": "欢迎来到剪映。今天我们做一个旁白视频！It also speaks English.",
         "engine": "espeak", "rate": 1.0, "start": 0, "gap": 300000, "word_highlight": "#ffd400",
         "font_size": 12, "border_color": "#000000", "transform_y": -700},
        {"draft_url": DRAFT_URL, "sentences": ["第一句。", "第二句。"], "voice": "cmn", "captions": False},
    )  # fmt: skip

    text: str | None = Field(
        None,
        description=f"The script; split into sentences at 。！？!?；;… , newlines and '. ' (≤ {MAX_TEXT_CHARS} chars)",
    )
    sentences: list[str] | None = Field(
        None,
        description=f"Instead of text: the sentences, as a JSON array or a JSON string of one (≤ {MAX_SENTENCES}; "
        f"≤ {MAX_TEXT_CHARS} chars in all)",
    )
    engine: str | None = Field(None, description="espeak (default, offline) or openai (CAPCUT_MATE_TTS_URL)")
    voice: str | None = Field(
        None, description="Engine voice (espeak: cmn, en-us, yue, en+f3...); default: by the text (cmn for Chinese)"
    )
    rate: Float = Field(1.0, ge=0.5, le=2.0, description="Speaking speed, 1.0 = the engine's normal")
    start: Int = Field(0, ge=0, description="µs on the timeline where the first sentence starts")
    gap: Int = Field(300_000, ge=0, le=10_000_000, description="µs of silence between two sentences")
    volume: Float = Field(1.0, ge=0, le=2)
    captions: Bool = Field(True, description="Add a caption per sentence, shown exactly while it is spoken")
    word_highlight: str | None = Field(
        None, description='#RRGGBB: the word being spoken turns this colour (karaoke); null or "" = off'
    )

    @field_validator("sentences", mode="before")
    @classmethod
    def _json_string(cls, value: Any) -> Any:
        """Coze sends arrays as JSON strings."""
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON array of strings ({exc.msg} at char {exc.pos})") from exc
        return value

    @model_validator(mode="after")
    def _one_source(self) -> AddNarrationRequest:
        if (self.text is None) == (self.sentences is None):
            raise ValueError("give either text (a script) or sentences (a JSON array of strings)")
        return self
