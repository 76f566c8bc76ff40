"""Names as the reference's clients send them: aliases resolve, unknown names are 200 with `warnings`."""

from __future__ import annotations

import json

import httpx
import pytest

from capcut_mate.config import Settings
from tests.api.helpers import V1, captions, content_of, create_draft, post_error, post_ok
from tests.api.test_animations import refs


def test_reference_example_with_a_dissolve_alias(api: httpx.Client, media_url: str, settings: Settings) -> None:
    """The reference's add_images example sends 溶解; the app's dissolve is 叠化."""
    url = create_draft(api)
    infos = [
        {"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000, "transition": "溶解",
         "in_animation": "淡入淡出", "out_animation": "Fade Out"},
        {"image_url": f"{media_url}/red.png", "start": 1_000_000, "end": 2_000_000, "transition": "Dissolve"},
    ]  # fmt: skip
    body = post_ok(api, "add_images", {"draft_url": url, "image_infos": json.dumps(infos)})
    assert "warnings" not in body
    first, _ = body["segment_ids"]
    doc = content_of(settings.data_dir, url)
    assert [t["name"] for t in refs(doc, first, "transitions")] == ["叠化"]
    animations = refs(doc, first, "material_animations")[0]["animations"]
    assert [(a["type"], a["name"]) for a in animations] == [("in", "渐显"), ("out", "渐隐")]


def test_a_typo_is_taken_with_a_warning(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    infos = [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000, "transition": "岁月的痕迹迹"}]
    body = post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(infos)})
    assert body["warnings"] == [
        {"field": "video_infos[0].transition", "value": "岁月的痕迹迹",
         "message": "unknown name '岁月的痕迹迹' taken as '岁月的痕迹'"}
    ]  # fmt: skip
    doc = content_of(settings.data_dir, url)
    assert [t["name"] for t in refs(doc, body["segment_ids"][0], "transitions")] == ["岁月的痕迹"]


def _warned(body: dict, field: str, value: str) -> None:
    (warning,) = [w for w in body["warnings"] if w["field"] == field]
    assert warning["value"] == value and "ignored" in warning["message"], warning


def test_unknown_names_are_ignored_with_warnings_everywhere(
    api: httpx.Client, media_url: str, settings: Settings
) -> None:
    url = create_draft(api)
    images = [{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000, "transition": "不存在的转场",
               "in_animation": "没有这个动画"}]  # fmt: skip
    body = post_ok(api, "add_images", {"draft_url": url, "image_infos": json.dumps(images)})
    _warned(body, "image_infos[0].transition", "不存在的转场")
    _warned(body, "image_infos[0].in_animation", "没有这个动画")
    photo = body["segment_ids"][0]
    videos = [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000, "mask": "triangle"}]
    _warned(post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(videos)}), "video_infos[0].mask",
            "triangle")  # fmt: skip
    caption = [{"text": "a", "start": 0, "end": 1_000_000, "out_animation": "渐显渐隐"}]
    body = post_ok(api, "add_captions", {"draft_url": url, "captions": json.dumps(caption), "font": "no such font"})
    _warned(body, "font", "no such font")
    _warned(body, "captions[0].out_animation", "渐显渐隐")
    effects = [{"effect_title": "没有这个特效", "start": 0, "end": 1_000_000}]
    body = post_ok(api, "add_effects", {"draft_url": url, "effect_infos": json.dumps(effects)})
    _warned(body, "effect_infos[0].effect_title", "没有这个特效")
    assert body["segment_ids"] == []
    filters = [{"filter_title": "没有这个滤镜", "start": 0, "end": 1_000_000}]
    body = post_ok(api, "add_filters", {"draft_url": url, "filter_infos": json.dumps(filters)})
    _warned(body, "filter_infos[0].filter_title", "没有这个滤镜")
    _warned(post_ok(api, "add_masks", {"draft_url": url, "segment_ids": [photo], "name": "hexagon"}), "name", "hexagon")
    audios = [{"audio_url": f"{media_url}/tone.mp3", "start": 0, "end": 1_000_000, "audio_effect": "no such effect"}]
    body = post_ok(api, "add_audios", {"draft_url": url, "audio_infos": json.dumps(audios)})
    _warned(body, "audio_infos[0].audio_effect", "no such effect")

    doc = content_of(settings.data_dir, url)  # nothing written for the ignored fields
    for bucket in ("transitions", "material_animations", "masks", "video_effects", "effects", "audio_effects"):
        assert doc["materials"].get(bucket, []) == [], bucket
    styles = json.loads(doc["materials"]["texts"][0]["content"])["styles"]
    assert all("font" not in style for style in styles)  # the app's default font


@pytest.mark.strict_names
def test_strict_names_keep_the_400(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    images = [{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000, "transition": "不存在的转场"}]
    details = post_error(api, "add_images", {"draft_url": url, "image_infos": json.dumps(images)}, 400,
                         "VALIDATION_ERROR")  # fmt: skip
    assert "image_infos[0].transition" in details and "get_transitions" in details
    assert content_of(settings.data_dir, url)["tracks"] == []  # nothing half-written


def test_search_names(api: httpx.Client) -> None:
    results = post_ok(api, "search_names", {"query": "溶解"})["results"]
    assert any(r["kind"] == "transition" and r["name"] == "叠化" and r["match"] == "alias" for r in results)
    assert results[0]["match"] == "exact" and results[0]["name"] == "溶解"  # a text intro of that very name
    fade = post_ok(api, "search_names", {"query": "fade in", "kind": "image_in_animation"})["results"]
    assert fade[0] == {"kind": "image_in_animation", "name": "渐显", "match": "alias",
                       "used_in": "in_animation in image_infos", "is_vip": False}  # fmt: skip
    contains = post_ok(api, "search_names", {"query": "擦除", "kind": "transition", "limit": 50})["results"]
    assert {r["name"] for r in contains} >= {"向上擦除", "向下擦除", "向左擦除", "向右擦除"}
    assert post_ok(api, "search_names", {"query": "zzzzqqq"})["results"] == []
    post_error(api, "search_names", {"query": ""}, 400, "VALIDATION_ERROR")


def test_warnings_reach_english_clients_unchanged(api: httpx.Client) -> None:
    url = create_draft(api)
    response = api.post(
        f"{V1}/add_captions",
        json={"draft_url": url, "captions": captions("hi"), "font": "no such font"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Success" and response.json()["warnings"][0]["field"] == "font"


def test_the_reference_request_examples_are_accepted(api: httpx.Client, media_url: str) -> None:
    """The request examples of the reference's OpenAPI document (its Coze plugin's calls), media on loopback."""
    url = post_ok(api, "create_draft", {"height": 1920, "width": 1080})["draft_url"]
    video = {"video_url": f"{media_url}/red.mp4", "duration": 2_000_000, "transition": "叠化",
             "transition_duration": 500_000, "volume": 6.0}  # fmt: skip
    bodies = {
        "add_images": {"alpha": 1, "draft_url": url, "scale_x": 1, "scale_y": 1, "transform_x": 0, "transform_y": 0,
                       "image_infos": json.dumps([{"image_url": f"{media_url}/red.png", "width": 1920, "height": 1080,
                                                   "start": 0, "end": 5_000_000, "duration": 5_000_000,
                                                   "animation": "淡入淡出", "transition": "溶解",
                                                   "transition_duration": 500_000}])},
        "add_captions": {"alignment": 1, "alpha": 1, "bold": False, "draft_url": url, "font_size": 15,
                         "has_shadow": False, "italic": False, "letter_spacing": 0, "line_spacing": 0, "scale_x": 1,
                         "scale_y": 1, "style_text": 0, "text_color": "#ffffff", "transform_x": 0, "transform_y": 0,
                         "underline": False,
                         "captions": json.dumps([{"start": 0, "end": 10_000_000, "text": "你好，剪映", "keyword": "好",
                                                  "keyword_color": "#457616", "keyword_font_size": 15}])},
        "add_effects": {"draft_url": url,
                        "effect_infos": json.dumps([{"effect_title": "录制边框 III", "start": 0, "end": 5_000_000}])},
        "add_filters": {"draft_url": url, "filter_infos": json.dumps([{"filter_title": "清透感", "start": 0,
                                                                       "end": 5_000_000, "intensity": 100.0}])},
        "add_videos": {"alpha": 1, "draft_url": url, "scale_x": 1, "scale_y": 1, "scene_timelines": [],
                       "video_infos": json.dumps([{**video, "start": 0, "end": 2_000_000},
                                                  {**video, "start": 2_000_000, "end": 4_000_000}])},
        "add_audios": {"draft_url": url, "audio_infos": json.dumps([{"audio_url": f"{media_url}/tone.mp3",
                                                                     "duration": 3_000_000, "end": 3_000_000,
                                                                     "start": 0}])},
        "add_sticker": {"draft_url": url, "end": 5_000_000, "scale": 1, "start": 0, "sticker_id": "7326810673609018675",
                        "transform_x": 0, "transform_y": 0},
        "easy_create_material": {"audio_url": f"{media_url}/tone.mp3", "draft_url": url, "font_size": 15,
                                 "img_url": f"{media_url}/red.png", "text": "官网：www.example.com",
                                 "text_color": "#ffffff", "text_transform_y": 0, "video_url": f"{media_url}/red.mp4"},
        "gen_video": {"apiKey": "559a84a5-a9e9-4ade-a26b-e80b732754d6", "draft_url": url},
    }  # fmt: skip
    for endpoint, body in bodies.items():
        answer = post_ok(api, endpoint, body)
        assert answer["code"] == 0 and "warnings" not in answer, (endpoint, answer)
