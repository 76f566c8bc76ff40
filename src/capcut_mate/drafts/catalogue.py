"""The named catalogues (animations, transitions, filters, effects, masks, fonts, audio effects) of each app.

pyJianYingDraft carries JianYing's tables and pyCapCut CapCut's (names → resource_id / effect_id / duration /
VIP), so nothing is copied by hand; `of(app)` is one app's set and `for_doc(doc)` the set of the app a draft is
for (`drafts.apps`). Lookups accept the exact title, then the title or enum member name with case, spaces and
underscores ignored (the packages' own `from_name` rule); aliases, close matches and what happens to an unknown
name are `drafts.names`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from types import ModuleType
from typing import Any, Literal

from capcut_mate.drafts.apps import DEFAULT_APP, AppName, app_of, library

AnimationKind = Literal["in", "out", "loop"]
ANIMATION_KINDS: tuple[AnimationKind, ...] = ("in", "out", "loop")

_TEXT_CATEGORIES = {"in": ("ruchang", "入场"), "out": ("chuchang", "出场"), "loop": ("xunhuan", "循环")}
_IMAGE_CATEGORIES = {
    "in": ("pic_ruchang", "图片入场"),
    "out": ("pic_chuchang", "图片出场"),
    "loop": ("pic_xunhuan", "图片循环"),
}


def title_of(member: Enum) -> str:
    """AnimationMeta keeps its name in `title`, every other meta in `name`."""
    meta = member.value
    title: str = getattr(meta, "title", None) or meta.name
    return title


@dataclass(frozen=True)
class Catalogue:
    """One app's catalogues, and its package (`library`), whose exporters write that app's JSON."""

    app: AppName
    library: ModuleType
    text_animations: dict[AnimationKind, type[Enum]]
    # For photos and videos the reference's "loop" animations are the app's group (组合) animations.
    video_animations: dict[AnimationKind, type[Enum]]
    effects: tuple[type[Enum], ...]  # scene effects first: the list get_effects serves
    filters: tuple[type[Enum], ...]
    transitions: tuple[type[Enum], ...]
    masks: tuple[type[Enum], ...]
    fonts: tuple[type[Enum], ...]
    audio_effects: tuple[type[Enum], ...]

    @property
    def mask_names(self) -> tuple[str, ...]:
        return tuple(title_of(m) for enum_cls in self.masks for m in enum_cls)


@cache
def of(app: AppName = DEFAULT_APP) -> Catalogue:
    lib = library(app)
    meta = lib.metadata
    # pyCapCut's package lists speech-to-song but its AudioEffect cannot write it (CapCut has no such effect).
    speech = (meta.SpeechToSongType,) if hasattr(meta, "SpeechToSongType") else ()
    return Catalogue(
        app=app,
        library=lib,
        text_animations={"in": meta.TextIntro, "out": meta.TextOutro, "loop": meta.TextLoopAnim},
        video_animations={"in": meta.IntroType, "out": meta.OutroType, "loop": meta.GroupAnimationType},
        effects=(meta.VideoSceneEffectType, meta.VideoCharacterEffectType),
        filters=(meta.FilterType,),
        transitions=(meta.TransitionType,),
        masks=(meta.MaskType,),
        fonts=(meta.FontType,),
        audio_effects=(meta.AudioSceneEffectType, meta.ToneEffectType, *speech),
    )


def for_doc(doc: dict[str, Any]) -> Catalogue:
    """The catalogues of the app `doc` is written for."""
    return of(app_of(doc))


def _normalise(name: str) -> str:
    return name.lower().replace(" ", "").replace("_", "")


@cache
def _index(enum_cls: type[Enum]) -> tuple[dict[str, Enum], dict[str, Enum]]:
    exact: dict[str, Enum] = {}
    loose: dict[str, Enum] = {}
    for member in enum_cls:
        exact.setdefault(title_of(member), member)
        loose.setdefault(_normalise(title_of(member)), member)
        loose.setdefault(_normalise(member.name), member)
    return exact, loose


def lookup(enum_classes: Sequence[type[Enum]], name: str) -> Enum | None:
    """The member called `name` in the first catalogue that has it (exact titles win over loose matches)."""
    for enum_cls in enum_classes:
        if (member := _index(enum_cls)[0].get(name)) is not None:
            return member
    key = _normalise(name)
    for enum_cls in enum_classes:
        if (member := _index(enum_cls)[1].get(key)) is not None:
            return member
    return None


def _by_mode(members: list[Enum], mode: int) -> list[Enum]:
    """mode 0 = all, 1 = VIP only, 2 = free only (the reference's rule)."""
    if mode == 1:
        return [m for m in members if m.value.is_vip]
    if mode == 2:
        return [m for m in members if not m.value.is_vip]
    return members


def _animation_entries(
    enums: dict[AnimationKind, type[Enum]],
    categories: dict[str, tuple[str, str]],
    mode: int,
    kind: AnimationKind | None,
    material_type: str,
) -> list[dict[str, Any]]:
    entries = []
    for each in ANIMATION_KINDS:
        if kind is not None and each != kind:
            continue
        category_id, category_name = categories[each]
        for member in _by_mode(list(enums[each]), mode):
            meta = member.value
            entries.append(
                {
                    "resource_id": meta.resource_id,
                    "type": each,
                    "category_id": category_id,
                    "category_name": category_name,
                    "duration": meta.duration,
                    "id": meta.effect_id,
                    "name": meta.title,
                    "is_vip": meta.is_vip,
                    "request_id": "",
                    "start": 0,
                    "icon_url": "",
                    "material_type": material_type,
                    "panel": "",
                    "path": "",
                    "platform": "all",
                }
            )
    return entries


def text_animations(mode: int, kind: AnimationKind | None, app: AppName = DEFAULT_APP) -> list[dict[str, Any]]:
    return _animation_entries(of(app).text_animations, _TEXT_CATEGORIES, mode, kind, "sticker")


def image_animations(mode: int, kind: AnimationKind | None, app: AppName = DEFAULT_APP) -> list[dict[str, Any]]:
    return _animation_entries(of(app).video_animations, _IMAGE_CATEGORIES, mode, kind, "video")


def filters(mode: int, app: AppName = DEFAULT_APP) -> list[dict[str, Any]]:
    return [
        {
            "name": m.value.name,
            "is_vip": m.value.is_vip,
            "resource_id": m.value.resource_id,
            "effect_id": m.value.effect_id,
            "has_params": bool(m.value.params),
        }
        for m in _by_mode([m for enum_cls in of(app).filters for m in enum_cls], mode)
    ]


def effects(mode: int, app: AppName = DEFAULT_APP) -> list[dict[str, Any]]:
    """Scene effects only, as the reference lists them (character effects are accepted by add_effects too)."""
    return [
        {
            "name": m.value.name,
            "is_vip": m.value.is_vip,
            "resource_id": m.value.resource_id,
            "effect_id": m.value.effect_id,
            "icon_url": "",
            "has_params": bool(m.value.params),
        }
        for m in _by_mode(list(of(app).effects[0]), mode)
    ]


def transitions(mode: int, app: AppName = DEFAULT_APP) -> list[dict[str, Any]]:
    return [
        {
            "name": m.value.name,
            "is_vip": m.value.is_vip,
            "resource_id": m.value.resource_id,
            "effect_id": m.value.effect_id,
            "duration": m.value.default_duration,
            "is_overlap": m.value.is_overlap,
        }
        for m in _by_mode([m for enum_cls in of(app).transitions for m in enum_cls], mode)
    ]
