"""Decorating endpoints over HTTP (effects, filters, keyframes, masks, stickers, text style, easy material):
what lands in draft_content.json, that pyJianYingDraft still reads it, and the 4xx for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pyJianYingDraft
import pytest
from pyJianYingDraft.metadata import FilterType, MaskType, VideoSceneEffectType

from capcut_mate.config import Settings
from tests.api.helpers import captions, content_of, create_draft, draft_id, post_error, post_ok


def load_script(settings: Settings, url: str) -> Any:
    """The draft read back by the independent parser."""
    return pyJianYingDraft.DraftFolder(str(settings.data_dir / "drafts")).load_template(draft_id(url))


def add_image(api: httpx.Client, url: str, media_url: str, start: int = 0, end: int = 2_000_000) -> str:
    infos = json.dumps([{"image_url": f"{media_url}/red.png", "start": start, "end": end}])
    return post_ok(api, "add_images", {"draft_url": url, "image_infos": infos})["segment_ids"][0]


def segment_by_id(doc: dict, segment_id: str) -> dict:
    return next(s for t in doc["tracks"] for s in t["segments"] if s["id"] == segment_id)


def by_id(doc: dict, bucket: str, material_id: str) -> dict:
    return next(m for m in doc["materials"][bucket] if m["id"] == material_id)


# The three rejections every JSON-string field must give.
BAD_JSON_STRINGS = [
    ("[{", "not valid JSON"),
    ('["x"]', "[0]: expected an object"),
]


def test_add_effects_writes_an_effect_track(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)
    infos = json.dumps([{"effect_title": "录制边框 III", "start": 0, "end": 3_000_000}])
    body = post_ok(api, "add_effects", {"draft_url": url, "effect_infos": infos})
    doc = content_of(settings.data_dir, url)
    track = next(t for t in doc["tracks"] if t["id"] == body["track_id"])
    assert track["type"] == "effect" and [s["id"] for s in track["segments"]] == body["segment_ids"]
    effect = by_id(doc, "video_effects", body["effect_ids"][0])
    meta = VideoSceneEffectType.录制边框_III.value
    assert (effect["name"], effect["resource_id"], effect["type"]) == ("录制边框 III", meta.resource_id, "video_effect")
    assert effect["apply_target_type"] == 2 and len(effect["adjust_params"]) == len(meta.params)
    assert track["segments"][0]["target_timerange"] == {"start": 0, "duration": 3_000_000}
    assert doc["duration"] == 3_000_000
    script = load_script(settings, url)
    assert [t.track_type.name for t in script.imported_tracks] == ["effect"]


@pytest.mark.parametrize(
    ("raw", "needle"),
    [*BAD_JSON_STRINGS, ('[{"effect_title": "1998", "start": 5, "end": 5}]', "end (5) must be greater than start (5)")],
)
def test_add_effects_rejects_bad_json(api: httpx.Client, raw: str, needle: str) -> None:
    url = create_draft(api)
    details = post_error(api, "add_effects", {"draft_url": url, "effect_infos": raw}, 400, "VALIDATION_ERROR")
    assert needle in details and "effect_infos" in details


@pytest.mark.strict_names
def test_add_effects_unknown_title_names_the_catalogue(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)
    before = content_of(settings.data_dir, url)
    infos = json.dumps(
        [{"effect_title": "1998", "start": 0, "end": 10}, {"effect_title": "录制边框 IX", "start": 10, "end": 20}]
    )
    details = post_error(api, "add_effects", {"draft_url": url, "effect_infos": infos}, 400, "VALIDATION_ERROR")
    assert "effect_infos[1].effect_title" in details and "get_effects" in details and "录制边框 II" in details
    assert content_of(settings.data_dir, url)["tracks"] == before["tracks"]  # nothing half-written


def test_add_filters_stores_intensity_as_a_fraction(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)
    infos = json.dumps(
        [
            {"filter_title": "复古工业", "start": 0, "end": 3_000_000, "intensity": 80},
            {"filter_title": "1980", "start": 3_000_000, "end": 4_000_000},
        ]
    )
    body = post_ok(api, "add_filters", {"draft_url": url, "filter_infos": infos})
    doc = content_of(settings.data_dir, url)
    first, second = (by_id(doc, "effects", fid) for fid in body["filter_ids"])
    assert (first["name"], first["type"], first["value"]) == ("复古工业", "filter", 0.8)
    assert first["resource_id"] == FilterType.复古工业.value.resource_id and second["value"] == 1.0
    assert next(t for t in doc["tracks"] if t["id"] == body["track_id"])["type"] == "filter"
    assert len(body["segment_ids"]) == 2
    load_script(settings, url)


@pytest.mark.strict_names
@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        *BAD_JSON_STRINGS,
        ('[{"filter_title": "1980", "start": 9, "end": 3}]', "end (3) must be greater than start (9)"),
        ('[{"filter_title": "1980", "start": 0, "end": 3, "intensity": 120}]', "intensity"),
        ('[{"filter_title": "没有这个滤镜", "start": 0, "end": 3}]', "get_filters"),
    ],
)
def test_add_filters_rejects_bad_input(api: httpx.Client, raw: str, needle: str) -> None:
    url = create_draft(api)
    details = post_error(api, "add_filters", {"draft_url": url, "filter_infos": raw}, 400, "VALIDATION_ERROR")
    assert needle in details and "filter_infos" in details


def test_add_keyframes_on_image_and_caption(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)  # 320×240
    image = add_image(api, url, media_url)
    text = post_ok(api, "add_captions", {"draft_url": url, "captions": captions("hi")})["segment_ids"][0]
    keyframes = json.dumps(
        [
            {"segment_id": image, "property": "KFTypePositionX", "offset": 1_000_000, "value": 160},
            {"segment_id": image, "property": "KFTypePositionX", "offset": 0, "value": -0.5},
            {"segment_id": image, "property": "KFTypeAlpha", "offset": 0, "value": 0.2},
            {"segment_id": text, "property": "UNIFORM_SCALE", "offset": 500_000, "value": 1.5},
        ]
    )
    body = post_ok(api, "add_keyframes", {"draft_url": url, "keyframes": keyframes})
    assert body["keyframes_added"] == 4 and body["affected_segments"] == [image, text]
    doc = content_of(settings.data_dir, url)
    lists = {k["property_type"]: k for k in segment_by_id(doc, image)["common_keyframes"]}
    assert [(f["time_offset"], f["values"]) for f in lists["KFTypePositionX"]["keyframe_list"]] == [
        (0, [-0.5]),
        (1_000_000, [0.5]),  # 160 px of a 320 px canvas, sorted by offset
    ]
    assert lists["KFTypeAlpha"]["keyframe_list"][0]["curveType"] == "Line"
    caption = segment_by_id(doc, text)
    assert caption["common_keyframes"][0]["property_type"] == "KFTypeScaleX" and caption["uniform_scale"]["on"]
    script = load_script(settings, url)
    assert [len(t.segments) for t in script.imported_tracks] == [1, 1]


def test_add_keyframes_unknown_segment_is_404_and_writes_nothing(
    api: httpx.Client, media_url: str, settings: Settings
) -> None:
    url = create_draft(api)
    image = add_image(api, url, media_url)
    keyframes = json.dumps(
        [
            {"segment_id": image, "property": "KFTypeAlpha", "offset": 0, "value": 0.5},
            {"segment_id": "nope", "property": "KFTypeAlpha", "offset": 0, "value": 1},
        ]
    )
    details = post_error(api, "add_keyframes", {"draft_url": url, "keyframes": keyframes}, 404, "SEGMENT_NOT_FOUND")
    assert "keyframes[1].segment_id" in details and "nope" in details
    assert segment_by_id(content_of(settings.data_dir, url), image)["common_keyframes"] == []


@pytest.mark.parametrize(
    ("element", "needle"),
    [
        ({"property": "KFTypeBlur", "offset": 0, "value": 1}, "unknown property"),
        ({"property": "KFTypeAlpha", "offset": 5_000_000, "value": 1}, "past the end"),
        ({"property": "KFTypeAlpha", "offset": -1, "value": 1}, "offset"),
        ({"property": "KFTypeAlpha", "offset": 0}, "value"),
    ],
)
def test_add_keyframes_rejects_bad_elements(api: httpx.Client, media_url: str, element: dict, needle: str) -> None:
    url = create_draft(api)
    image = add_image(api, url, media_url)
    raw = json.dumps([{"segment_id": image, **element}])
    details = post_error(api, "add_keyframes", {"draft_url": url, "keyframes": raw}, 400, "VALIDATION_ERROR")
    assert needle in details and "keyframes[0]" in details


@pytest.mark.parametrize(("raw", "needle"), BAD_JSON_STRINGS)
def test_add_keyframes_rejects_bad_json(api: httpx.Client, raw: str, needle: str) -> None:
    details = post_error(
        api, "add_keyframes", {"draft_url": create_draft(api), "keyframes": raw}, 400, "VALIDATION_ERROR"
    )
    assert needle in details


def test_add_keyframes_rules_per_segment_kind(api: httpx.Client, media_url: str) -> None:
    url = create_draft(api)
    image = add_image(api, url, media_url)
    text = post_ok(api, "add_captions", {"draft_url": url, "captions": captions("hi")})["segment_ids"][0]
    volume_on_text = json.dumps([{"segment_id": text, "property": "KFTypeVolume", "offset": 0, "value": 1}])
    details = post_error(api, "add_keyframes", {"draft_url": url, "keyframes": volume_on_text}, 400, "VALIDATION_ERROR")
    assert "text segment" in details
    mixed = json.dumps(
        [
            {"segment_id": image, "property": "KFTypeScaleY", "offset": 0, "value": 2},
            {"segment_id": image, "property": "UNIFORM_SCALE", "offset": 10, "value": 2},
        ]
    )
    details = post_error(api, "add_keyframes", {"draft_url": url, "keyframes": mixed}, 400, "VALIDATION_ERROR")
    assert "UNIFORM_SCALE cannot follow" in details


def test_add_masks_geometry_and_replacement(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    image = add_image(api, url, media_url)  # red.png is 320×240
    request = {
        "draft_url": url,
        "segment_ids": [image],
        "name": "矩形",
        "X": 80,
        "Y": -60,
        "width": 160,
        "height": 120,
        "feather": 20,
        "rotation": 15,
        "invert": True,
        "roundCorner": 50,
    }
    body = post_ok(api, "add_masks", request)
    assert body["masks_added"] == 1 and body["affected_segments"] == [image]
    doc = content_of(settings.data_dir, url)
    mask = by_id(doc, "masks", body["mask_ids"][0])
    assert mask["name"] == "矩形" and mask["resource_id"] == MaskType.矩形.value.resource_id
    assert mask["config"] == {
        "aspectRatio": 1.0,
        "centerX": 0.5,
        "centerY": -0.5,
        "feather": 0.2,
        "height": 0.5,
        "invert": True,
        "rotation": 15.0,
        "roundCorner": 0.5,
        "width": 0.5,
    }
    common = by_id(doc, "common_mask", mask["id"])
    assert common["config"]["expansion"] == 0.0 and common["category_name"] == "基础"
    assert mask["id"] in segment_by_id(doc, image)["extra_material_refs"]

    again = post_ok(api, "add_masks", {"draft_url": url, "segment_ids": [image], "name": "圆形", "height": 240})
    doc = content_of(settings.data_dir, url)
    assert again["mask_ids"] == body["mask_ids"] and len(doc["materials"]["masks"]) == 1
    circle = doc["materials"]["masks"][0]
    assert circle["resource_type"] == "circle" and circle["config"]["height"] == 1.0
    assert circle["config"]["width"] == pytest.approx(240 / 320)  # a circle keeps its aspect ratio on the material
    load_script(settings, url)


@pytest.mark.strict_names
def test_add_masks_errors(api: httpx.Client, media_url: str) -> None:
    url = create_draft(api)
    image = add_image(api, url, media_url)
    text = post_ok(api, "add_captions", {"draft_url": url, "captions": captions("hi")})["segment_ids"][0]
    details = post_error(
        api, "add_masks", {"draft_url": url, "segment_ids": [image], "name": "三角"}, 400, "VALIDATION_ERROR"
    )
    assert "三角" in details and "圆形" in details
    assert "text track" in post_error(
        api, "add_masks", {"draft_url": url, "segment_ids": [text]}, 400, "VALIDATION_ERROR"
    )
    post_error(api, "add_masks", {"draft_url": url, "segment_ids": ["missing"]}, 404, "SEGMENT_NOT_FOUND")
    assert "segment_ids" in post_error(api, "add_masks", {"draft_url": url, "segment_ids": []}, 400, "VALIDATION_ERROR")


def test_add_sticker(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)  # 320×240
    body = post_ok(
        api,
        "add_sticker",
        {
            "draft_url": url,
            "sticker_id": "7107529669750066445",
            "start": 0,
            "end": 5_000_000,
            "scale": 0.5,
            "transform_x": 160,
            "transform_y": -120,
        },
    )
    assert body["duration"] == 5_000_000 and body["sticker_id"] == "7107529669750066445"
    doc = content_of(settings.data_dir, url)
    seg = segment_by_id(doc, body["segment_id"])
    sticker = by_id(doc, "stickers", seg["material_id"])
    assert sticker == {
        **sticker,
        "resource_id": "7107529669750066445",
        "sticker_id": "7107529669750066445",
        "type": "sticker",
    }
    assert seg["clip"]["scale"] == {"x": 0.5, "y": 0.5} and seg["clip"]["transform"] == {"x": 0.5, "y": -0.5}
    assert next(t for t in doc["tracks"] if t["id"] == body["track_id"])["type"] == "sticker"
    details = post_error(
        api, "add_sticker", {"draft_url": url, "sticker_id": "1", "start": 3, "end": 3}, 400, "VALIDATION_ERROR"
    )
    assert "end (3) must be greater than start (3)" in details


def test_add_text_style_reference_example(api: httpx.Client) -> None:
    body = post_ok(
        api,
        "add_text_style",
        {
            "text": "五一花语花开，欢迎来到花花世界",
            "keyword": "花语|花花世界",
            "font_size": 12,
            "keyword_color": "#ff7100",
            "keyword_font_size": 15,
        },
    )
    style = json.loads(body["text_style"])
    assert ":" in body["text_style"] and ", " not in body["text_style"]  # compact JSON
    ranges = [(s["range"], s["size"], s.get("useLetterColor", False)) for s in style["styles"]]
    assert ranges == [([0, 2], 12, False), ([2, 4], 15, True), ([4, 11], 12, False), ([11, 15], 15, True)]
    assert style["styles"][1]["fill"]["content"]["solid"]["color"] == [1.0, 113 / 255, 0.0]
    assert style["styles"][0]["font"] == {"id": "", "path": ""}
    plain = json.loads(post_ok(api, "add_text_style", {"text": "abc", "keyword": ""})["text_style"])
    assert [s["range"] for s in plain["styles"]] == [[0, 3]]
    details = post_error(
        api, "add_text_style", {"text": "abc", "keyword": "b", "keyword_color": "orange"}, 400, "VALIDATION_ERROR"
    )
    assert "keyword_color" in details


def test_easy_create_material(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    post_ok(
        api,
        "easy_create_material",
        {
            "draft_url": url,
            "audio_url": f"{media_url}/tone.mp3",
            "text": "你好",
            "img_url": f"{media_url}/red.png",
            "video_url": "null",
            "text_transform_y": -60,
        },
    )
    doc = content_of(settings.data_dir, url)
    kinds = [
        (t["type"], [(s["target_timerange"]["start"], s["target_timerange"]["duration"]) for s in t["segments"]])
        for t in doc["tracks"]
        if t["segments"]
    ]
    assert kinds == [("audio", [(0, 3_000_000)]), ("video", [(0, 3_000_000)]), ("text", [(0, 5_000_000)])]
    text_seg = next(t for t in doc["tracks"] if t["type"] == "text")["segments"][0]
    assert text_seg["clip"]["transform"]["y"] == -0.25
    load_script(settings, url)


def test_easy_create_material_fails_whole(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    before = content_of(settings.data_dir, url)["tracks"]
    post_error(
        api,
        "easy_create_material",
        {"draft_url": url, "audio_url": f"{media_url}/tone.mp3", "img_url": f"{media_url}/missing.png"},
        422,
        "MEDIA_DOWNLOAD_FAILED",
    )
    assert content_of(settings.data_dir, url)["tracks"] == before


def test_draft_folder_stays_loadable(api: httpx.Client, media_url: str, settings: Settings, tmp_path: Path) -> None:
    """Everything at once, read back by pyJianYingDraft and copied elsewhere as a client would."""
    url = create_draft(api)
    image = add_image(api, url, media_url)
    post_ok(
        api,
        "add_keyframes",
        {
            "draft_url": url,
            "keyframes": json.dumps([{"segment_id": image, "property": "KFTypeScaleX", "offset": 0, "value": 1.2}]),
        },
    )
    post_ok(api, "add_masks", {"draft_url": url, "segment_ids": [image], "name": "爱心"})
    post_ok(
        api,
        "add_filters",
        {"draft_url": url, "filter_infos": json.dumps([{"filter_title": "1980", "start": 0, "end": 1_000_000}])},
    )
    post_ok(api, "add_sticker", {"draft_url": url, "sticker_id": "42", "start": 0, "end": 1_000_000})
    script = load_script(settings, url)
    names = [t.track_type.name for t in script.imported_tracks]
    assert names == ["video", "filter", "sticker"]
    out = tmp_path / "copy.json"
    script.dump(str(out))
    assert json.loads(out.read_text("utf-8"))["materials"]["masks"][0]["name"] == "爱心"
