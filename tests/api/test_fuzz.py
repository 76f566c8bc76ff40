"""Schemathesis over /openapi.json, with real drafts and real media mixed into what it generates.

Every operation gets positive and negative cases; a hook (`realistic`) swaps some generated values for
real ones (an existing draft_url, media URLs on a loopback server, a valid item list), so the fuzzer gets
past the first validation layer into media fetching, probing and editing. The rule checked is the issue's:
a client's mistake is never a 5xx and never INTERNAL_ERROR, and every error is the documented envelope.

Default: a few examples per operation (seconds, part of every test run). `make fuzz` runs it long:
CAPCUT_MATE_FUZZ_EXAMPLES=200, and prints the counts.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NOT_SET

from capcut_mate.api.app import create_app
from capcut_mate.config import Settings
from tests import mediagen
from tests.api.helpers import V1
from tests.servers import media_server

EXAMPLES = int(os.environ.get("CAPCUT_MATE_FUZZ_EXAMPLES", "4"))
COVERAGE = EXAMPLES > 10  # the boundary-value phase: thorough and slow, for `make fuzz`
TALLY: Counter[str] = Counter()
# Structured facts an error may carry beside `details` (documented in the README's error table): lists an agent
# can pick from without parsing the message.
ERROR_EXTRAS = {"available_engines", "available_voices"}
MEDIA_FIELDS = {"video_url": "clip.mp4", "image_url": "still.png", "audio_url": "tone.mp3", "mp3_url": "tone.mp3"}


class _LateApp:
    """Schemathesis reads the schema when this module is imported; the app it calls is built by `world`."""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def _load_schema() -> schemathesis.schemas.BaseSchema:
    with tempfile.TemporaryDirectory() as scratch:
        spec = create_app(Settings(data_dir=Path(scratch))).openapi()
    config = SchemathesisConfig.from_dict(
        {"generation": {"mode": "all", "max-examples": EXAMPLES}, "phases": {"coverage": {"enabled": COVERAGE}}}
    )
    loaded = schemathesis.openapi.from_dict(spec, config=config)
    loaded.app = LATE_APP
    return loaded


LATE_APP = _LateApp()
schema = _load_schema()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app in-process (no render workers), two real drafts, and real media on loopback."""
    media = tmp_path_factory.mktemp("fuzz-media")
    mediagen.color_video(media / "clip.mp4", duration=1.0, size=(64, 48))
    mediagen.tone(media / "tone.mp3", duration=1.0)
    mediagen.image(media / "still.png", size=(64, 48))
    (media / "page.png").write_text("<html>not an image</html>")
    settings = Settings(data_dir=tmp_path_factory.mktemp("fuzz-data"), allow_private_urls=True)
    app = LATE_APP.app = create_app(settings)
    client = TestClient(app)
    drafts = [client.post(f"{V1}/create_draft", json={"width": 64, "height": 48}).json()["draft_url"] for _ in "ab"]
    with media_server(media) as base:
        yield {"app": app, "drafts": drafts, "media": base}
    client.close()
    print(f"\nfuzz: {sum(TALLY[k] for k in TALLY if k.startswith('status '))} requests; " + ", ".join(
        f"{key} × {count}" for key, count in sorted(TALLY.items())
    ))  # fmt: skip


def realistic(body: Any, world: dict[str, Any], rng: random.Random) -> Any:
    """Swap some generated values for real ones; leave the rest as the fuzzer made them."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    media = world["media"]
    if "draft_url" in body and rng.random() < 0.7:
        body["draft_url"] = rng.choice(world["drafts"])
    for field, name in MEDIA_FIELDS.items():
        if field in body and rng.random() < 0.5:
            body[field] = f"{media}/{rng.choice([name, 'page.png', 'missing.mp4'])}"
    for key in [k for k in body if k.endswith("_infos")]:
        kind = key.removesuffix("_infos").rstrip("s")
        if f"{kind}_url" in MEDIA_FIELDS and rng.random() < 0.5:
            item = {f"{kind}_url": f"{media}/{MEDIA_FIELDS[f'{kind}_url']}", "start": 0, "end": rng.choice([1, 10**6])}
            body[key] = json.dumps([item])
    if "links" in body and rng.random() < 0.5:
        body["links"] = [f"{media}/tone.mp3"]
    return body


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_no_client_mistake_is_a_server_error(case: schemathesis.Case, world: dict[str, Any]) -> None:
    rng = random.Random(repr(case.body) + case.path)
    case.body = realistic(case.body, world, rng)
    response = case.call()
    TALLY[f"status {response.status_code}"] += 1
    if response.status_code >= 400:
        error = response.json()["error"]
        TALLY[error["code"]] += 1
        assert error["code"] != "INTERNAL_ERROR", (case.method, case.path, error)
        assert {"code", "message", "details"} <= set(error) <= {"code", "message", "details", *ERROR_EXTRAS}
        assert len(error["details"]) <= 1_100
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
    # Random draft ids and URLs are rightly refused, so "valid data must be accepted" does not apply; and a
    # request with no body at all is create_draft's defaults, which the boundary phase counts as invalid.
    excluded = [checks.positive_data_acceptance] + ([checks.negative_data_rejection] if case.body is NOT_SET else [])
    case.validate_response(response, excluded_checks=excluded)
