"""Request bodies of the catalogue endpoints (static lists of names the add_* endpoints accept)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from capcut_mate.api.schemas import APP_FIELD, examples
from capcut_mate.drafts.apps import AppName
from capcut_mate.jsontypes import Int


class ModeRequest(BaseModel):
    model_config = examples({"mode": 0})

    mode: Int = Field(0, ge=0, le=2, description="0 all, 1 VIP only, 2 free only")
    app: AppName = APP_FIELD


class AnimationsRequest(ModeRequest):
    model_config = examples({"mode": 0, "type": "in"})

    type: Literal["in", "out", "loop"] | None = Field(None, description="Only this kind; null = in, out and loop")


class SearchStickerRequest(BaseModel):
    model_config = examples({"keyword": "爱心"})

    keyword: str = Field(..., description="Substring of the sticker title")
