"""Animation, transition, mask and 花字 fields of add_images / add_captions / add_videos over HTTP: the JSON
pyJianYingDraft 0.3.1 writes (compare spec/sample_draft_content.json) and 400s for names nobody knows."""

from __future__ import annotations

import json

import httpx
import pyJianYingDraft
import pytest
from pyJianYingDraft.metadata import GroupAnimationType, IntroType, OutroType, TextIntro, TextLoopAnim, TransitionType

from capcut_mate.config import Settings
from tests.api.helpers import content_of, create_draft, draft_id, post_error, post_ok


def refs(doc: dict, segment_id: str, bucket: str) -> list[dict]:
    """The materials of `bucket` that the segment references."""
    seg = next(s for t in doc["tracks"] for s in t["segments"] if s["id"] == segment_id)
    return [m for m in doc["materials"].get(bucket, []) if m["id"] in seg["extra_material_refs"]]


def test_image_intro_outro_and_transition(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    infos = json.dumps(
        [
            {
                "image_url": f"{media_url}/red.png",
                "start": 0,
                "end": 3_000_000,
                "in_animation": "渐显",
                "out_animation": "渐隐",
                "out_animation_duration": 800_000,
                "transition": "叠化",
                "transition_duration": 400_000,
            },
            {
                "image_url": f"{media_url}/red.png",
                "start": 3_000_000,
                "end": 5_000_000,
                "loop_animation": "缩放",
                "in_animation_duration": "",
            },
        ]
    )
    first, second = post_ok(api, "add_images", {"draft_url": url, "image_infos": infos})["segment_ids"]
    doc = content_of(settings.data_dir, url)
    (container,) = refs(doc, first, "material_animations")
    assert container["type"] == "sticker_animation"
    intro, outro = container["animations"]
    assert intro == {
        "anim_adjust_params": None,
        "platform": "all",
        "panel": "video",
        "material_type": "video",
        "name": "渐显",
        "id": IntroType.渐显.value.effect_id,
        "type": "in",
        "resource_id": IntroType.渐显.value.resource_id,
        "start": 0,
        "duration": IntroType.渐显.value.duration,
    }
    assert (outro["type"], outro["start"], outro["duration"]) == ("out", 2_200_000, 800_000)
    assert outro["resource_id"] == OutroType.渐隐.value.resource_id
    (transition,) = refs(doc, first, "transitions")
    meta = TransitionType.叠化.value
    assert transition == {
        "category_id": "",
        "category_name": "",
        "duration": 400_000,
        "effect_id": meta.effect_id,
        "id": transition["id"],
        "is_overlap": meta.is_overlap,
        "name": "叠化",
        "platform": "all",
        "resource_id": meta.resource_id,
        "type": "transition",
    }
    (group,) = refs(doc, second, "material_animations")[0]["animations"]
    assert (group["type"], group["start"], group["duration"]) == ("group", 0, 2_000_000)
    assert group["resource_id"] == GroupAnimationType.缩放.value.resource_id
    pyJianYingDraft.DraftFolder(str(settings.data_dir / "drafts")).load_template(draft_id(url))


@pytest.mark.strict_names
@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"in_animation": "没有这个动画"}, "image_infos[0].in_animation: unknown name"),
        ({"in_animation": "渐显", "loop_animation": "缩放"}, "cannot be combined"),
        ({"transition": "不存在"}, "get_transitions"),
        ({"in_animation_duration": -5, "in_animation": "渐显"}, "in_animation_duration"),
    ],
)
def test_image_animation_errors(api: httpx.Client, media_url: str, extra: dict, needle: str) -> None:
    url = create_draft(api)
    infos = json.dumps([{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000, **extra}])
    details = post_error(api, "add_images", {"draft_url": url, "image_infos": infos}, 400, "VALIDATION_ERROR")
    assert needle in details


def test_caption_animations_loop_fills_the_middle(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)
    captions = json.dumps(
        [
            {
                "text": "你好",
                "start": 0,
                "end": 3_000_000,
                "in_animation": "渐显",
                "in_animation_duration": 600_000,
                "out_animation": "渐隐",
                "loop_animation": "跳动",
            }
        ]
    )
    (segment_id,) = post_ok(api, "add_captions", {"draft_url": url, "captions": captions})["segment_ids"]
    doc = content_of(settings.data_dir, url)
    (container,) = refs(doc, segment_id, "material_animations")
    spans = {a["type"]: (a["start"], a["duration"], a["material_type"], a["panel"]) for a in container["animations"]}
    assert spans == {
        "in": (0, 600_000, "sticker", ""),
        "out": (2_500_000, 500_000, "sticker", ""),
        "loop": (600_000, 1_900_000, "sticker", ""),
    }
    assert container["animations"][0]["resource_id"] == TextIntro.渐显.value.resource_id
    assert container["animations"][2]["resource_id"] == TextLoopAnim.跳动.value.resource_id


@pytest.mark.strict_names
def test_caption_animation_errors(api: httpx.Client) -> None:
    url = create_draft(api)
    bad_name = json.dumps([{"text": "a", "start": 0, "end": 1_000_000, "out_animation": "渐显渐隐"}])
    details = post_error(api, "add_captions", {"draft_url": url, "captions": bad_name}, 400, "VALIDATION_ERROR")
    assert "captions[0].out_animation" in details and "get_text_animations" in details
    no_room = json.dumps(
        [
            {
                "text": "a",
                "start": 0,
                "end": 1_000_000,
                "in_animation": "渐显",
                "out_animation": "渐隐",
                "loop_animation": "跳动",
            }
        ]
    )
    details = post_error(api, "add_captions", {"draft_url": url, "captions": no_room}, 400, "VALIDATION_ERROR")
    assert "no time left for a loop" in details


def test_caption_text_effect_by_numeric_id(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)
    body = {
        "draft_url": url,
        "captions": json.dumps([{"text": "花字", "start": 0, "end": 1_000_000}]),
        "text_effect": "7296357486490144036",
        "text_color": "#ff0000",
        "border_color": "#000000",
    }
    (segment_id,) = post_ok(api, "add_captions", body)["segment_ids"]
    doc = content_of(settings.data_dir, url)
    (effect,) = refs(doc, segment_id, "effects")
    assert effect == {**effect, "type": "text_effect", "effect_id": "7296357486490144036"}
    style = json.loads(doc["materials"]["texts"][0]["content"])["styles"][0]
    assert style["effectStyle"]["id"] == "7296357486490144036"
    assert style["fill"]["content"]["solid"]["color"] == [1.0, 1.0, 1.0] and "strokes" not in style
    details = post_error(api, "add_captions", {**body, "text_effect": "金色渐变"}, 400, "VALIDATION_ERROR")
    assert "text_effect" in details and "numeric" in details


@pytest.mark.strict_names
def test_video_transition_and_mask(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    infos = json.dumps(
        [
            {"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000, "transition": "上移", "mask": "圆形"},
            {"video_url": f"{media_url}/blue.mp4", "start": 1_000_000, "end": 2_000_000},
        ]
    )
    first, second = post_ok(api, "add_videos", {"draft_url": url, "video_infos": infos})["segment_ids"]
    doc = content_of(settings.data_dir, url)
    (transition,) = refs(doc, first, "transitions")
    assert transition["name"] == "上移" and transition["duration"] == TransitionType.上移.value.default_duration
    (mask,) = refs(doc, first, "masks")
    assert mask["resource_type"] == "circle" and refs(doc, first, "common_mask")[0]["id"] == mask["id"]
    assert refs(doc, second, "transitions") == [] and refs(doc, second, "masks") == []
    bad = json.dumps([{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000, "mask": "triangle"}])
    details = post_error(api, "add_videos", {"draft_url": url, "video_infos": bad}, 400, "VALIDATION_ERROR")
    assert "video_infos[0].mask" in details
