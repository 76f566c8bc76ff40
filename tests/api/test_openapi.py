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
