"""The named catalogues (animations, transitions, filters, effects, masks), read from pyJianYingDraft's metadata.

The package carries the same tables the reference serves (names → resource_id / effect_id / duration / VIP), so
nothing is copied by hand. Lookups accept the exact title, then the title or enum member name with case, spaces
and underscores ignored (the package's own `from_name` rule); aliases, close matches and what happens to an
unknown name are `drafts.names`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from functools import cache
from typing import Any, Literal

from pyJianYingDraft.metadata import (
    FilterType,
    GroupAnimationType,
    IntroType,
    MaskType,
    OutroType,
    TextIntro,
    TextLoopAnim,
    TextOutro,
    TransitionType,
    VideoCharacterEffectType,
    VideoSceneEffectType,
)

AnimationKind = Literal["in", "out", "loop"]
ANIMATION_KINDS: tuple[AnimationKind, ...] = ("in", "out", "loop")

TEXT_ANIMATIONS: dict[AnimationKind, type[Enum]] = {"in": TextIntro, "out": TextOutro, "loop": TextLoopAnim}
# For photos and videos the reference's "loop" animations are the app's group (组合) animations.
VIDEO_ANIMATIONS: dict[AnimationKind, type[Enum]] = {"in": IntroType, "out": OutroType, "loop": GroupAnimationType}

_TEXT_CATEGORIES = {"in": ("ruchang", "入场"), "out": ("chuchang", "出场"), "loop": ("xunhuan", "循环")}
_IMAGE_CATEGORIES = {
    "in": ("pic_ruchang", "图片入场"),
    "out": ("pic_chuchang", "图片出场"),
    "loop": ("pic_xunhuan", "图片循环"),
}


def title_of(member: Enum) -> str:
    """AnimationMeta keeps its name in `title`, every other meta in `name`."""
    meta = member.value
    return getattr(meta, "title", None) or meta.name


EFFECT_CATALOGUES: tuple[type[Enum], ...] = (VideoSceneEffectType, VideoCharacterEffectType)
FILTER_CATALOGUES: tuple[type[Enum], ...] = (FilterType,)
TRANSITION_CATALOGUES: tuple[type[Enum], ...] = (TransitionType,)
MASK_CATALOGUES: tuple[type[Enum], ...] = (MaskType,)
MASK_NAMES = tuple(title_of(m) for m in MaskType)


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


def text_animations(mode: int, kind: AnimationKind | None) -> list[dict[str, Any]]:
    return _animation_entries(TEXT_ANIMATIONS, _TEXT_CATEGORIES, mode, kind, "sticker")


def image_animations(mode: int, kind: AnimationKind | None) -> list[dict[str, Any]]:
    return _animation_entries(VIDEO_ANIMATIONS, _IMAGE_CATEGORIES, mode, kind, "video")


def filters(mode: int) -> list[dict[str, Any]]:
    return [
        {
            "name": m.value.name,
            "is_vip": m.value.is_vip,
            "resource_id": m.value.resource_id,
            "effect_id": m.value.effect_id,
            "has_params": bool(m.value.params),
        }
        for m in _by_mode(list(FilterType), mode)
    ]


def effects(mode: int) -> list[dict[str, Any]]:
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
        for m in _by_mode(list(VideoSceneEffectType), mode)
    ]


def transitions(mode: int) -> list[dict[str, Any]]:
    return [
        {
            "name": m.value.name,
            "is_vip": m.value.is_vip,
            "resource_id": m.value.resource_id,
            "effect_id": m.value.effect_id,
            "duration": m.value.default_duration,
            "is_overlap": m.value.is_overlap,
        }
        for m in _by_mode(list(TransitionType), mode)
    ]
