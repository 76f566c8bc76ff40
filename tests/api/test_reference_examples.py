"""Every request example of the reference's Coze plugin document, replayed over HTTP against a real server.

The examples are read from the reference's `openapi.yaml` (components.examples.<endpoint>.value.ReqExample,
Hommy-master/capcut-mate @ 3cfbfb5), never copied by hand: the file is found at $CAPCUT_MATE_REFERENCE_OPENAPI
or ../shared/spec/reference_openapi.yaml, and the test is skipped without it (the project does not carry the
reference's files). The replay runs in a workflow's order (create_draft first, segments before keyframes and
masks, gen_video before its status); every draft_url becomes the new draft's, every media URL a loopback URL
of generated media of its kind, every segment id one this draft has. All must be accepted, with no warnings
but the string-number readings (the reference's own `video_infos` example sends `"height": "1080"`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from capcut_mate.config import Settings
from tests import servers
from tests.api.helpers import V1

SOURCE = Path(
    os.environ.get("CAPCUT_MATE_REFERENCE_OPENAPI")
    or Path(__file__).resolve().parents[3] / "shared" / "spec" / "reference_openapi.yaml"
)
URL_RE = re.compile(r"https?://[^\s\"\\]+")
SEGMENT_ID_RE = re.compile(r"\b[0-9a-f]{32}\b")
FIRST = {"create_draft": 0, "add_videos": 1, "gen_video": 3, "gen_video_status": 4}  # others: 2
COERCIONS = {"STRING_AS_NUMBER", "STRING_AS_BOOLEAN"}
MEDIA_BY_SUFFIX = {".mp3": "tone.mp3", ".wav": "tone.mp3", ".mp4": "red.mp4", ".mov": "red.mp4"}


def reference_examples() -> dict[str, dict[str, Any]]:
    yaml = pytest.importorskip("yaml")
    document = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    examples = document["components"]["examples"]
    return {name: example["value"]["ReqExample"] for name, example in examples.items()}


def _media(url: str, media_url: str) -> str:
    suffix = Path(url.split("?")[0]).suffix.lower()
    return f"{media_url}/{MEDIA_BY_SUFFIX.get(suffix, 'red.png')}"


def _localised(body: dict[str, Any], draft_url: str, media_url: str, segment_id: str | None) -> dict[str, Any]:
    """The example with this draft, loopback media and this draft's segment (inside JSON strings too)."""
    body = {**body, "draft_url": draft_url} if "draft_url" in body else dict(body)
    text = json.dumps(body, ensure_ascii=False)
    text = URL_RE.sub(lambda m: m.group(0) if m.group(0) == draft_url else _media(m.group(0), media_url), text)
    if segment_id is not None:
        text = SEGMENT_ID_RE.sub(segment_id, text)
    return json.loads(text)


@pytest.mark.skipif(not SOURCE.is_file(), reason=f"the reference's openapi.yaml is not at {SOURCE}")
def test_every_reference_request_example_is_accepted(tmp_path: Path, media_url: str) -> None:
    examples = reference_examples()
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, in_process_workers=False)
    order = sorted(examples, key=lambda name: (FIRST.get(name, 2), name))
    accepted, coerced = [], []
    with servers.api_server(settings) as base, httpx.Client(base_url=base, timeout=60) as client:
        draft_url = segment_id = None
        for name in order:
            body = _localised(examples[name], draft_url or "", media_url, segment_id)
            response = client.post(f"{V1}/{name}", json=body)
            assert response.status_code == 200, (name, body, response.text)
            answer = response.json()
            assert answer.get("code", 0) == 0, (name, answer)
            warnings = answer.get("warnings", [])
            assert {w["code"] for w in warnings if "code" in w} <= COERCIONS, (name, warnings)
            assert all("code" in w for w in warnings), (name, warnings)  # every warning is a named coercion
            coerced += [(name, w["field"]) for w in warnings]
            if name == "create_draft":
                draft_url = answer["draft_url"]
            elif name == "add_videos":
                segment_id = answer["segment_ids"][0]
            accepted.append(name)
    print(f"reference request examples accepted: {len(accepted)}/{len(examples)}")
    assert accepted == order and len(accepted) == len(examples) >= 34
    assert ("video_infos", "height") in coerced
