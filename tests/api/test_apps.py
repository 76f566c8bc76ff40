"""Drafts for JianYing and for CapCut: create_draft's `app`, each app's catalogue behind every name, and every
draft we write loads in its app's own library (pyJianYingDraft / pyCapCut) with the tracks we wrote."""

from __future__ import annotations

import json
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcut_mate.config import Settings
from capcut_mate.drafts import catalogue
from capcut_mate.drafts.apps import APPS, AppName, app_of, library
from tests.api.helpers import V1, content_of, create_draft, post_ok
from tests.render.random_drafts import Media, drafts

# Where a draft keeps the resource id of each catalogue name it uses: (materials bucket, the item's id key).
RESOURCE_BUCKETS = ("transitions", "video_effects", "effects", "audio_effects")


def catalogue_ids(app: AppName) -> set[str]:
    cat = catalogue.of(app)
    enums: list[type[Enum]] = [
        *cat.text_animations.values(), *cat.video_animations.values(), *cat.effects, *cat.filters,
        *cat.transitions, *cat.masks, *cat.audio_effects,
    ]  # fmt: skip
    return {member.value.resource_id for enum_cls in enums for member in enum_cls}


def used_resource_ids(doc: dict[str, Any]) -> set[str]:
    """Resource ids of the catalogue entries a draft uses (animations, transitions, effects, filters, masks)."""
    materials = doc["materials"]
    ids = {item["resource_id"] for bucket in RESOURCE_BUCKETS for item in materials.get(bucket, [])}
    ids |= {a["resource_id"] for item in materials.get("material_animations", []) for a in item["animations"]}
    ids |= {item["resource_id"] for item in materials.get("masks", [])}
    return ids


def load_in_library(doc: dict[str, Any], app: AppName) -> Any:
    """`doc` saved as a draft folder and read back by the app's own library."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "draft"
        folder.mkdir()
        (folder / "draft_content.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
        return library(app).DraftFolder(tmp).load_template("draft")


def expected_tracks(doc: dict[str, Any]) -> list[tuple[str, list[tuple[int, int]]]]:
    return [
        (
            track["type"],
            [(s["target_timerange"]["start"], s["target_timerange"]["duration"]) for s in track["segments"]],
        )
        for track in doc["tracks"]
    ]


def loaded_tracks(script: Any) -> list[tuple[str, list[tuple[int, int]]]]:
    """Track kinds as the library typed them, with the segments it parsed (it keeps effect, filter and sticker
    tracks as raw data: not editable in its template mode)."""
    tracks = []
    for track in script.imported_tracks:
        if hasattr(track, "segments"):
            spans = [(s.target_timerange.start, s.target_timerange.duration) for s in track.segments]
        else:
            spans = [
                (s["target_timerange"]["start"], s["target_timerange"]["duration"]) for s in track.raw_data["segments"]
            ]
        tracks.append((track.track_type.name, spans))
    return tracks


@pytest.fixture(scope="module")
def media(media_dir: Path) -> Media:
    return Media.from_dir(media_dir)


@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data(), app=st.sampled_from(APPS))
def test_every_built_draft_loads_in_its_apps_library(media: Media, data: st.DataObject, app: AppName) -> None:
    doc = data.draw(drafts(media, app))
    assert app_of(doc) == app
    script = load_in_library(doc, app)
    assert (script.width, script.height, script.duration) == (
        doc["canvas_config"]["width"], doc["canvas_config"]["height"], doc["duration"],
    )  # fmt: skip
    assert loaded_tracks(script) == expected_tracks(doc)
    # Every catalogue name was written with the resource id of the draft's own app.
    assert used_resource_ids(doc) <= catalogue_ids(app)


def test_create_draft_for_capcut_writes_pycapcuts_template(api: httpx.Client, settings: Settings) -> None:
    url = post_ok(api, "create_draft", {"width": 640, "height": 360, "app": "capcut"})["draft_url"]
    doc = content_of(settings.data_dir, url)
    template = json.loads(library("capcut").assets.get_asset_path("DRAFT_CONTENT_TEMPLATE").read_text("utf-8"))
    assert doc["last_modified_platform"] == template["last_modified_platform"]
    assert doc["last_modified_platform"]["app_source"] == "cc" and doc["new_version"] == template["new_version"]
    assert "common_mask" in doc["materials"] and "lyrics_effects" in doc
    jianying = content_of(settings.data_dir, create_draft(api))
    assert jianying["last_modified_platform"]["app_source"] == "lv"


@pytest.mark.parametrize("app", APPS)
def test_names_resolve_against_the_drafts_app(
    api: httpx.Client, media_url: str, settings: Settings, app: AppName
) -> None:
    """The same request writes each app's own resource ids; a name only one app has is unknown to the other."""
    cat = catalogue.of(app)
    url = post_ok(api, "create_draft", {"width": 320, "height": 240, "app": app})["draft_url"]
    image = f"{media_url}/red.png"
    infos = [{"image_url": image, "start": 0, "end": 1_000_000, "transition": "叠化", "in_animation": "渐显"},
             {"image_url": image, "start": 1_000_000, "end": 2_000_000}]  # fmt: skip
    post_ok(api, "add_images", {"draft_url": url, "image_infos": json.dumps(infos)})
    doc = content_of(settings.data_dir, url)
    (transition,) = doc["materials"]["transitions"]
    assert transition["effect_id"] == catalogue.lookup(cat.transitions, "叠化").value.effect_id  # type: ignore[union-attr]
    (animation,) = doc["materials"]["material_animations"][0]["animations"]
    assert animation["resource_id"] == catalogue.lookup([cat.video_animations["in"]], "渐显").value.resource_id  # type: ignore[union-attr]
    assert used_resource_ids(doc) <= catalogue_ids(app)


def test_a_capcut_only_name_is_unknown_in_a_jianying_draft(api: httpx.Client, media_url: str) -> None:
    only_capcut = next(
        t["name"] for t in catalogue.transitions(0, "capcut")
        if catalogue.lookup(catalogue.of("jianying").transitions, t["name"]) is None and t["name"].isascii()
    )  # fmt: skip
    for app, known in (("capcut", True), ("jianying", False)):
        url = post_ok(api, "create_draft", {"width": 320, "height": 240, "app": app})["draft_url"]
        infos = [{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000, "transition": only_capcut},
                 {"image_url": f"{media_url}/red.png", "start": 1_000_000, "end": 2_000_000}]  # fmt: skip
        answer = post_ok(api, "add_images", {"draft_url": url, "image_infos": json.dumps(infos)})
        assert bool(answer.get("warnings")) is not known, (app, only_capcut, answer.get("warnings"))


@pytest.mark.parametrize(
    ("endpoint", "key", "count"),
    [
        ("get_transitions", "transitions", lambda cat: len(cat.transitions[0])),
        ("get_filters", "filters", lambda cat: len(cat.filters[0])),
        ("get_effects", "effects", lambda cat: len(cat.effects[0])),
        ("get_text_animations", "effects", lambda cat: sum(len(e) for e in cat.text_animations.values())),
        ("get_image_animations", "effects", lambda cat: sum(len(e) for e in cat.video_animations.values())),
    ],
)
def test_catalogue_endpoints_serve_each_apps_catalogue(api: httpx.Client, endpoint: str, key: str, count: Any) -> None:
    by_app = {}
    for app in APPS:
        answer = api.post(f"{V1}/{endpoint}", json={"mode": 0, "app": app}).json()
        assert len(answer[key]) == count(catalogue.of(app)), app
        by_app[app] = {entry["resource_id"] for entry in answer[key]}
    assert by_app["capcut"] != by_app["jianying"]
    default = api.post(f"{V1}/{endpoint}", json={"mode": 0}).json()
    assert {entry["resource_id"] for entry in default[key]} == by_app["jianying"]


def test_search_names_searches_the_apps_catalogue(api: httpx.Client) -> None:
    capcut_font = next(m.name for m in catalogue.of("capcut").fonts[0] if m.name.isascii() and len(m.name) > 6)
    for app in APPS:
        answer = api.post(f"{V1}/search_names", json={"query": capcut_font, "kind": "font", "app": app}).json()
        exact = [r for r in answer["results"] if r["match"] == "exact"]
        in_app = catalogue.lookup(catalogue.of(app).fonts, capcut_font) is not None
        assert bool(exact) == in_app, (app, capcut_font, answer["results"])
