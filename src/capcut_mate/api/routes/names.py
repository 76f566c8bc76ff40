"""search_names: find the catalogue names the add_* endpoints accept without listing a thousand of them."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from capcut_mate.api.responses import ok
from capcut_mate.api.schemas import APP_FIELD, examples
from capcut_mate.drafts import catalogue, names
from capcut_mate.drafts.apps import AppName
from capcut_mate.drafts.catalogue import Catalogue
from capcut_mate.jsontypes import Int

router = APIRouter(tags=["catalogues"])

NameKind = Literal[
    "transition",
    "image_in_animation",
    "image_out_animation",
    "image_loop_animation",
    "text_in_animation",
    "text_out_animation",
    "text_loop_animation",
    "filter",
    "effect",
    "mask",
    "font",
    "audio_effect",
]
Enums = Callable[[Catalogue], tuple[type[Enum], ...]]
# kind -> (its catalogues in an app's set, where the name goes)
KINDS: dict[str, tuple[Enums, str]] = {
    "transition": (lambda c: c.transitions, "transition in video_infos / image_infos"),
    "image_in_animation": (lambda c: (c.video_animations["in"],), "in_animation in image_infos"),
    "image_out_animation": (lambda c: (c.video_animations["out"],), "out_animation in image_infos"),
    "image_loop_animation": (lambda c: (c.video_animations["loop"],), "loop_animation in image_infos"),
    "text_in_animation": (lambda c: (c.text_animations["in"],), "in_animation in captions"),
    "text_out_animation": (lambda c: (c.text_animations["out"],), "out_animation in captions"),
    "text_loop_animation": (lambda c: (c.text_animations["loop"],), "loop_animation in captions"),
    "filter": (lambda c: c.filters, "filter_title in filter_infos"),
    "effect": (lambda c: c.effects, "effect_title in effect_infos"),
    "mask": (lambda c: c.masks, "mask in video_infos, name in add_masks"),
    "font": (lambda c: c.fonts, "font / keyword_font of add_captions"),
    "audio_effect": (lambda c: c.audio_effects, "audio_effect in audio_infos"),
}


class SearchNamesRequest(BaseModel):
    model_config = examples({"query": "溶解"}, {"query": "fade in", "kind": "image_in_animation"})

    query: str = Field(..., min_length=1, max_length=100, description="A name, part of one, a synonym or English")
    kind: NameKind | None = Field(None, description="Only this catalogue; null = every catalogue")
    limit: Int = Field(10, ge=1, le=50, description="Most results per catalogue")
    app: AppName = APP_FIELD


@router.post(
    "/search_names",
    summary="Search every name catalogue (transitions, animations, filters, effects, masks, fonts, audio effects)",
    description="Each result says which field accepts it (`used_in`) and how it matched the query: `exact`, "
    "`alias` (a synonym or English name the add_* endpoints also accept), `contains` or `close`.",
)
def search_names(request: Request, body: SearchNamesRequest) -> dict[str, Any]:
    results = []
    cat = catalogue.of(body.app)
    for kind, (enums, used_in) in KINDS.items():
        if body.kind is not None and kind != body.kind:
            continue
        for member, how in names.search(enums(cat), body.query, body.limit):
            entry: dict[str, Any] = {"kind": kind, "name": catalogue.title_of(member), "match": how, "used_in": used_in}
            if hasattr(member.value, "is_vip"):
                entry["is_vip"] = bool(member.value.is_vip)
            results.append(entry)
    order = {"exact": 0, "alias": 1, "contains": 2, "close": 3}
    results.sort(key=lambda entry: order[entry["match"]])
    return ok(request, results=results)
