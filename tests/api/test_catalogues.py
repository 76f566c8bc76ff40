"""Catalogue endpoints over HTTP: the reference's shapes, counts from pyJianYingDraft's metadata, filters."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pyJianYingDraft.metadata import FilterType, GroupAnimationType, TextIntro, TransitionType, VideoSceneEffectType

from capcut_mate.config import Settings
from tests import servers
from tests.api.helpers import post_error, post_ok


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """One server for the module: these endpoints read no draft."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    with servers.in_process(settings) as client:
        yield client


def test_text_animations_all_kinds_in_order(api: httpx.Client) -> None:
    effects = post_ok(api, "get_text_animations", {"mode": 0})["effects"]
    kinds = [e["type"] for e in effects]
    assert kinds == ["in"] * 145 + ["out"] * 97 + ["loop"] * 93
    fade = next(e for e in effects if e["type"] == "in" and e["name"] == "渐显")
    meta = TextIntro.渐显.value
    assert fade == {
        "resource_id": meta.resource_id, "type": "in", "category_id": "ruchang", "category_name": "入场",
        "duration": meta.duration, "id": meta.effect_id, "name": "渐显", "is_vip": meta.is_vip, "request_id": "",
        "start": 0, "icon_url": "", "material_type": "sticker", "panel": "", "path": "", "platform": "all",
    }  # fmt: skip


def test_text_animations_mode_and_type_filter(api: httpx.Client) -> None:
    vip = post_ok(api, "get_text_animations", {"mode": 1, "type": "out"})["effects"]
    free = post_ok(api, "get_text_animations", {"mode": 2, "type": "out"})["effects"]
    assert vip and all(e["is_vip"] and e["type"] == "out" for e in vip)
    assert free and not any(e["is_vip"] for e in free)
    assert len(vip) + len(free) == 97
    assert {e["category_id"] for e in vip} == {"chuchang"}


def test_image_animations_use_video_catalogues(api: httpx.Client) -> None:
    effects = post_ok(api, "get_image_animations", {})["effects"]
    counts = {kind: sum(e["type"] == kind for e in effects) for kind in ("in", "out", "loop")}
    assert counts == {"in": 155, "out": 124, "loop": 123}
    loops = [e for e in effects if e["type"] == "loop"]
    assert {e["category_id"] for e in loops} == {"pic_xunhuan"}
    assert loops[0]["name"] == next(iter(GroupAnimationType)).value.title


def test_filters_effects_transitions(api: httpx.Client) -> None:
    filters = post_ok(api, "get_filters", {"mode": 0})["filters"]
    assert len(filters) == len(FilterType) == 1052
    assert set(filters[0]) == {"name", "is_vip", "resource_id", "effect_id", "has_params"}
    free = post_ok(api, "get_filters", {"mode": 2})["filters"]
    assert len(free) == sum(not m.value.is_vip for m in FilterType)
    effects = post_ok(api, "get_effects", {})["effects"]
    assert len(effects) == len(VideoSceneEffectType) == 1097
    assert all(e["icon_url"] == "" for e in effects)
    transitions = post_ok(api, "get_transitions", {})["transitions"]
    dissolve = next(t for t in transitions if t["name"] == "叠化")
    assert dissolve["resource_id"] == TransitionType.叠化.value.resource_id and dissolve["duration"] > 0


def test_text_effects_and_stickers_are_empty_with_a_note(api: httpx.Client) -> None:
    text_effects = post_ok(api, "get_text_effects", {"mode": 0})
    assert text_effects["text_effects"] == [] and "numeric" in text_effects["note"]
    stickers = post_ok(api, "search_sticker", {"keyword": "爱心"})
    assert stickers["data"] == [] and "sticker" in stickers["note"]


def test_bad_mode_and_type_are_400(api: httpx.Client) -> None:
    assert "mode" in post_error(api, "get_text_animations", {"mode": 3}, 400, "VALIDATION_ERROR")
    assert "type" in post_error(api, "get_image_animations", {"type": "middle"}, 400, "VALIDATION_ERROR")
    assert "mode" in post_error(api, "get_filters", {"mode": -1}, 400, "VALIDATION_ERROR")
    assert "keyword" in post_error(api, "search_sticker", {}, 400, "VALIDATION_ERROR")
