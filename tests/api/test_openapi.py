"""/openapi.json describes the draft-building endpoints with summaries and request examples (Coze plugin import),
and the examples of the pure endpoints really work when posted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers
from tests.api.helpers import V1, post_ok

DRAFT_ENDPOINTS = [
    "create_draft",
    "save_draft",
    "add_videos",
    "add_audios",
    "add_images",
    "add_captions",
    "get_audio_duration",
    "add_sticker",
    "add_effects",
    "add_filters",
    "add_keyframes",
    "add_masks",
    "easy_create_material",
    "add_narration",
]
PURE_ENDPOINTS = [
    "add_text_style",
    "get_text_animations",
    "get_image_animations",
    "get_filters",
    "get_effects",
    "get_transitions",
    "get_text_effects",
    "search_sticker",
    "timelines",
    "audio_infos",
    "imgs_infos",
    "caption_infos",
    "effect_infos",
    "filter_infos",
    "video_infos",
    "keyframes_infos",
    "get_url",
    "str_to_list",
    "str_list_to_objs",
    "objs_to_str_list",
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    with servers.in_process(settings) as client:
        yield client


@pytest.fixture(scope="module")
def spec(api: httpx.Client) -> dict[str, Any]:
    return api.get("/openapi.json").json()


def example_for(spec: dict[str, Any], endpoint: str) -> dict[str, Any]:
    operation = spec["paths"][f"{V1}/{endpoint}"]["post"]
    assert operation.get("summary"), endpoint
    ref = operation["requestBody"]["content"]["application/json"]["schema"]
    ref = ref.get("$ref") or next(s["$ref"] for s in ref.get("anyOf", []) if "$ref" in s)
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema.get("examples"), f"{endpoint} has no request example"
    return schema["examples"][0]


@pytest.mark.parametrize("endpoint", DRAFT_ENDPOINTS + PURE_ENDPOINTS)
def test_every_endpoint_has_a_summary_and_an_example(spec: dict[str, Any], endpoint: str) -> None:
    example = example_for(spec, endpoint)
    assert isinstance(example, dict) and example


@pytest.mark.parametrize("endpoint", PURE_ENDPOINTS)
def test_pure_examples_succeed(api: httpx.Client, spec: dict[str, Any], endpoint: str) -> None:
    body = post_ok(api, endpoint, example_for(spec, endpoint))
    assert body["code"] == 0 and len(body) > 2


LIMIT_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems",
              "maxItems", "items")  # fmt: skip


def _nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, f"{path}[{index}]")


def test_every_limit_is_where_clients_look(spec: dict[str, Any]) -> None:
    """Coze and agents read minimum/maximum on the property: never pydantic's raw ge/le/gt/lt, and never only
    inside an optional field's anyOf (the whole document is checked)."""
    raw = [path for path, node in _nodes(spec) if "type" in node and {"ge", "le", "gt", "lt"} & set(node)]
    assert raw == []
    hidden = []
    for path, node in _nodes(spec):
        options = [o for o in node.get("anyOf", []) if isinstance(o, dict) and o.get("type") != "null"]
        if len(options) == 1:  # an optional field: its limits belong on the property
            hidden += [f"{path}.{key}" for key in LIMIT_KEYS if key in options[0] and node.get(key) != options[0][key]]
        else:  # a real union (a JSON string or an array): no numeric limit may hide in one branch
            hidden += [f"{path}.{key}" for o in options for key in LIMIT_KEYS[:4] if key in o]
    assert hidden == []
    width = spec["components"]["schemas"]["GenVideoRequest"]["properties"]["width"]
    assert (width["minimum"], width["maximum"]) == (16, 7680)
    intensities = spec["components"]["schemas"]["FilterInfosRequest"]["properties"]["intensities"]
    assert (intensities["items"]["minimum"], intensities["items"]["maximum"]) == (0, 100)
    assert spec["components"]["schemas"]["VideoInfosRequest"]["properties"]["height"]["exclusiveMinimum"] == 0
