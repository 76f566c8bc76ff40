"""The helper endpoints over HTTP: the reference's outputs for its documented inputs, and 400s for bad input."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers
from tests.api.helpers import post_error, post_ok

TWO = [{"start": 0, "end": 3_000_000}, {"start": 3_000_000, "end": 6_000_000}]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), allow_private_urls=True)
    with servers.in_process(settings) as client:
        yield client


def test_timelines_even_split(api: httpx.Client) -> None:
    body = post_ok(api, "timelines", {"duration": 10_000_000, "num": 3, "start": 0, "type": 0})
    assert body["timelines"] == [
        {"start": 0, "end": 3_333_333}, {"start": 3_333_333, "end": 6_666_666}, {"start": 6_666_666, "end": 10_000_000},
    ]  # fmt: skip
    assert body["all_timelines"] == [{"start": 0, "end": 10_000_000}]


def test_timelines_random_split_is_the_seeded_one(api: httpx.Client) -> None:
    request = {"duration": 10_000_000, "num": 4, "start": 2_000_000, "type": 1}
    first = post_ok(api, "timelines", request)["timelines"]
    assert post_ok(api, "timelines", request)["timelines"] == first
    rng = random.Random(42)
    cuts = sorted(rng.randint(2_000_000, 12_000_000) for _ in range(3))
    assert [p["end"] for p in first] == [*cuts, 12_000_000]
    assert first[0]["start"] == 2_000_000


def test_timelines_zero_pieces_and_bad_input(api: httpx.Client) -> None:
    body = post_ok(api, "timelines", {"duration": 5, "num": 0, "start": 0, "type": 0})
    assert body == {**body, "timelines": [], "all_timelines": [{"start": 0, "end": 5}]}
    assert "duration" in post_error(api, "timelines", {"num": 2, "start": 0, "type": 0}, 400, "VALIDATION_ERROR")


def test_audio_timelines_lie_back_to_back(api: httpx.Client, media_url: str) -> None:
    body = post_ok(api, "audio_timelines", {"links": [f"{media_url}/tone.mp3", f"{media_url}/tone.mp3"]})
    first, second = body["timelines"]
    assert first["start"] == 0 and abs(first["end"] - 3_000_000) < 100_000
    assert second == {"start": first["end"], "end": 2 * first["end"]}
    assert body["all_timelines"] == [{"start": 0, "end": second["end"]}]
    empty = post_ok(api, "audio_timelines", {"links": []})
    assert (empty["timelines"], empty["all_timelines"]) == ([], [{"start": 0, "end": 0}])
    details = post_error(api, "audio_timelines", {"links": [f"{media_url}/red.png"]}, 422, "UNSUPPORTED_MEDIA")
    assert "links[0]" in details


def test_audio_infos_truncates_to_the_shortest(api: httpx.Client) -> None:
    body = post_ok(api, "audio_infos", {"mp3_urls": ["a.mp3", "b.mp3", "c.mp3"], "timelines": TWO, "volume": 0.5})
    assert json.loads(body["infos"]) == [
        {"audio_url": "a.mp3", "start": 0, "end": 3_000_000, "volume": 0.5},
        {"audio_url": "b.mp3", "start": 3_000_000, "end": 6_000_000, "volume": 0.5},
    ]


def test_imgs_infos_reuses_the_last_name(api: httpx.Client) -> None:
    three = [*TWO, {"start": 6_000_000, "end": 9_000_000}]
    body = post_ok(api, "imgs_infos", {
        "imgs": ["1.png", "2.png", "3.png"], "timelines": three, "width": 1024, "height": 768,
        "in_animation": "渐显|放大", "in_animation_duration": 500_000, "out_animation": "渐隐", "transition": "叠化",
    })  # fmt: skip
    infos = json.loads(body["infos"])
    assert [i["in_animation"] for i in infos] == ["渐显", "放大", "放大"]
    assert infos[0] == {
        "image_url": "1.png", "start": 0, "end": 3_000_000, "height": 768, "width": 1024, "in_animation": "渐显",
        "in_animation_duration": 500_000, "out_animation": "渐隐", "transition": "叠化",
    }  # fmt: skip
    assert "loop_animation" not in infos[2] and "out_animation_duration" not in infos[2]


def test_caption_infos_keywords_run_out_to_empty(api: httpx.Client) -> None:
    body = post_ok(api, "caption_infos", {
        "texts": ["你好，剪映", "欢迎使用"], "timelines": TWO, "keywords": ["剪映"], "font_size": 15,
        "keyword_color": "#ff7100", "in_animation": "渐显",
    })  # fmt: skip
    assert json.loads(body["infos"]) == [
        {"start": 0, "end": 3_000_000, "text": "你好，剪映", "keyword": "剪映", "font_size": 15,
         "keyword_color": "#ff7100", "in_animation": "渐显"},
        {"start": 3_000_000, "end": 6_000_000, "text": "欢迎使用", "keyword": "", "font_size": 15,
         "keyword_color": "#ff7100", "in_animation": "渐显"},
    ]  # fmt: skip


def test_effect_filter_and_video_infos(api: httpx.Client) -> None:
    effects = json.loads(post_ok(api, "effect_infos", {"effects": ["录制边框 III"], "timelines": TWO})["infos"])
    assert effects == [{"effect_title": "录制边框 III", "start": 0, "end": 3_000_000}]
    body = post_ok(api, "filter_infos", {"filters": ["复古工业", "1980"], "timelines": TWO, "intensities": [80]})
    assert [i["intensity"] for i in json.loads(body["infos"])] == [80.0, 100.0]
    videos = json.loads(post_ok(api, "video_infos", {
        "video_urls": ["1.mp4"], "timelines": TWO, "transition": "叠化", "transition_duration": 500_000,
    })["infos"])  # fmt: skip
    assert videos == [{"video_url": "1.mp4", "start": 0, "end": 3_000_000, "duration": 3_000_000,
                       "transition": "叠化", "transition_duration": 500_000, "volume": 1.0}]  # fmt: skip
    details = post_error(api, "filter_infos", {"filters": ["a"], "timelines": TWO, "intensities": [101]}, 400,
                         "VALIDATION_ERROR")  # fmt: skip
    assert "intensities" in details


def test_keyframes_infos_percentages_and_pixels(api: httpx.Client) -> None:
    body = post_ok(api, "keyframes_infos", {
        "ctype": "KFTypePositionX", "offsets": "0|50|100", "values": "0|480|960", "width": 1920,
        "segment_infos": [{"id": "s1", "start": 1_000_000, "end": 3_000_000}],
    })  # fmt: skip
    assert json.loads(body["keyframes_infos"]) == [
        {"offset": 0, "property": "KFTypePositionX", "segment_id": "s1", "value": 0.0},
        {"offset": 1_000_000, "property": "KFTypePositionX", "segment_id": "s1", "value": 0.25},
        {"offset": 2_000_000, "property": "KFTypePositionX", "segment_id": "s1", "value": 0.5},
    ]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"values": "1|2"}, "offsets has 3 entries"),
        ({"values": "1|x|3"}, "values"),
        ({"offsets": "0|50|150"}, "percentage"),
        ({"ctype": "KFTypeBlur"}, "ctype"),
        ({"segment_infos": [{"id": "s", "start": 5, "end": 5}]}, "end (5) must be greater than start (5)"),
    ],
)
def test_keyframes_infos_rejects_bad_input(api: httpx.Client, change: dict, needle: str) -> None:
    request = {"ctype": "KFTypeAlpha", "offsets": "0|50|100", "values": "1|0.5|1",
               "segment_infos": [{"id": "s", "start": 0, "end": 10}]}  # fmt: skip
    assert needle in post_error(api, "keyframes_infos", {**request, **change}, 400, "VALIDATION_ERROR")


def test_string_plumbing_helpers(api: httpx.Client) -> None:
    assert post_ok(api, "get_url", {"output": "https://x/y.mp4"})["output"] == "https://x/y.mp4"
    assert post_ok(api, "str_to_list", {"obj": "a|b"})["infos"] == ["a|b"]
    assert post_ok(api, "str_list_to_objs", {"infos": ["a", "b"]})["infos"] == [{"output": "a"}, {"output": "b"}]
    assert post_ok(api, "objs_to_str_list", {"outputs": [{"output": "a"}, {"output": "b"}]})["infos"] == ["a", "b"]
    assert "outputs.0" in post_error(api, "objs_to_str_list", {"outputs": ["a"]}, 400, "VALIDATION_ERROR")


def test_timelines_must_be_ordered(api: httpx.Client) -> None:
    bad = [{"start": 3_000_000, "end": 1_000_000}]
    details = post_error(api, "effect_infos", {"effects": ["a"], "timelines": bad}, 400, "VALIDATION_ERROR")
    assert "timelines.0" in details and "must be greater" in details
