"""Coze sends numbers as strings: a string that spells a number is that number (with a named warning), in
top-level fields and inside the JSON-string item lists; anything else is still a 400."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from capcut_mate.config import Settings
from tests import servers
from tests.api.helpers import V1, content_of, post_error, post_ok

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def _normal(doc: Any, names: dict[str, str]) -> Any:
    """The draft with its random ids renamed in order of appearance, so two equal edits compare equal."""
    if isinstance(doc, dict):
        return {k: ("<t>" if k in ("create_time", "update_time") else _normal(v, names)) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_normal(v, names) for v in doc]
    if isinstance(doc, str):
        return UUID_RE.sub(lambda m: names.setdefault(m.group(0), f"<id{len(names)}>"), doc)
    return doc


def _spelled(number: float | int, style: int) -> str:
    """A way a workflow tool writes a number as text."""
    text = repr(number) if isinstance(number, float) else str(number)
    return [text, f" {text} ", f"{text}\n", f"+{text}" if number >= 0 else text][style]


def _build(client: httpx.Client, width: Any, font_size: Any, start: Any, ty: Any, bold: Any) -> tuple:
    url = post_ok(client, "create_draft", {"width": width, "height": 240})["draft_url"]
    items = [{"text": "hi", "start": start, "end": 3_000_000, "font_size": font_size}]
    answer = post_ok(client, "add_captions", {"draft_url": url, "captions": json.dumps(items), "transform_y": ty,
                                              "bold": bold})  # fmt: skip
    return url, answer


@hsettings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    width=st.integers(16, 4096),
    font_size=st.integers(1, 200),
    start=st.one_of(st.integers(0, 2_999_999), st.floats(0, 2_999_999, allow_nan=False)),
    ty=st.one_of(st.integers(-2000, 2000), st.floats(-2000, 2000, allow_nan=False)),
    bold=st.booleans(),
    style=st.integers(0, 3),
)
def test_a_number_as_a_string_makes_the_same_draft_plus_warnings(
    settings: Settings, width: int, font_size: int, start: float, ty: float, bold: bool, style: int
) -> None:
    with servers.in_process(settings) as client:
        url_n, answer_n = _build(client, width, font_size, start, ty, bold)
        spelled = [_spelled(v, style) for v in (width, font_size, start, ty)]
        flag = str(bold).upper() if style == 1 else str(bold).lower()
        url_s, answer_s = _build(client, *spelled, flag)
    assert "warnings" not in answer_n
    assert _normal(content_of(settings.data_dir, url_n), {}) == _normal(content_of(settings.data_dir, url_s), {})
    warned = {(w["code"], w["field"], w["value"]) for w in answer_s["warnings"]}
    assert ("STRING_AS_NUMBER", "transform_y", spelled[3]) in warned
    assert ("STRING_AS_NUMBER", "captions[0].font_size", spelled[1]) in warned
    assert ("STRING_AS_NUMBER", "captions[0].start", spelled[2]) in warned
    assert ("STRING_AS_BOOLEAN", "bold", flag) in warned


def test_the_warning_speaks_the_clients_language(api: httpx.Client) -> None:
    zh = api.post(f"{V1}/create_draft", json={"width": "1080", "height": 1920}).json()
    en = api.post(f"{V1}/create_draft", json={"width": "1080"}, headers={"accept-language": "en"}).json()
    (warning_zh,) = zh["warnings"]
    (warning_en,) = en["warnings"]
    assert warning_zh["code"] == warning_en["code"] == "STRING_AS_NUMBER"
    assert warning_zh["field"] == "width" and warning_zh["value"] == "1080"
    assert "数字" in warning_zh["message"] and "JSON number" in warning_en["message"]
    assert "message_zh" not in warning_zh and "message_zh" not in warning_en


def test_the_reference_video_infos_example_with_a_string_height(api: httpx.Client) -> None:
    body = {"height": "1080", "width": 1920, "mask": "爱心", "transition": "推近", "transition_duration": 1,
            "volume": 1, "video_urls": ["https://example.com/a.mp4"],
            "timelines": [{"start": 0, "end": 2_000_000}]}  # fmt: skip
    answer = post_ok(api, "video_infos", body)
    assert json.loads(answer["infos"])[0]["height"] == 1080
    assert [w["code"] for w in answer["warnings"]] == ["STRING_AS_NUMBER"]


def test_string_numbers_inside_item_lists_are_read_and_placed(
    api: httpx.Client, media_url: str, settings: Settings
) -> None:
    url = post_ok(api, "create_draft", {"width": 320, "height": 240})["draft_url"]
    infos = [{"video_url": f"{media_url}/red.mp4", "start": "0", "end": "1000000", "height": "240", "volume": "0.5"}]
    answer = post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(infos), "alpha": "0.5"})
    assert {w["field"] for w in answer["warnings"]} == {
        "alpha", "video_infos[0].start", "video_infos[0].end", "video_infos[0].height", "video_infos[0].volume"
    }  # fmt: skip
    assert answer["segment_infos"] == [{"id": answer["segment_ids"][0], "start": 0, "end": 1_000_000}]
    doc = content_of(settings.data_dir, url)
    (segment,) = [s for t in doc["tracks"] for s in t["segments"] if s["id"] == answer["segment_ids"][0]]
    assert segment["volume"] == 0.5 and segment["clip"]["alpha"] == 0.5


@pytest.mark.parametrize("text", ["abc", "", " ", "1e999", "-1e400", "NaN", "nan", "inf", "Infinity", "1_000",
                                  "0x10", "1,5", "١٢", "12px", "true"])  # fmt: skip
def test_what_cannot_be_a_number_is_still_refused(api: httpx.Client, text: str) -> None:
    details = post_error(api, "create_draft", {"width": text}, 400, "VALIDATION_ERROR")
    assert details.startswith("width:") and "must be a number" in details


@pytest.mark.parametrize("text", ["yes", "no", "1", "0", "", "on", "tru"])
def test_what_cannot_be_a_boolean_is_still_refused(api: httpx.Client, text: str) -> None:
    url = post_ok(api, "create_draft", {})["draft_url"]
    body = {"draft_url": url, "segment_ids": ["x"], "invert": text}
    assert "invert" in post_error(api, "add_masks", body, 400, "VALIDATION_ERROR")


def test_a_fractional_string_for_an_integer_field_is_refused_like_the_number(api: httpx.Client) -> None:
    by_number = post_error(api, "create_draft", {"width": 640.5}, 400, "VALIDATION_ERROR")
    by_string = post_error(api, "create_draft", {"width": "640.5"}, 400, "VALIDATION_ERROR")
    assert by_number == by_string and "integer" in by_string
