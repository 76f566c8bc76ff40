"""The plan is a value: to_json / from_json round-trip every plan a workflow can build, byte for byte.

Drafts come from tests/render/random_drafts.py (every catalogue family, arbitrary microseconds), planned at
output settings hypothesis varies too, so text blocks, colour operations, motions, keyframes, masks and
chunks all pass through the JSON.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcut_mate.drafts.apps import APPS
from capcut_mate.render import RenderOptions
from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.plan.model import Plan
from tests.render.draftkit import Draft
from tests.render.random_drafts import Media, drafts

SEC = 1_000_000


@pytest.fixture(scope="module")
def media(media_dir: Path) -> Media:
    return Media.from_dir(media_dir)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_plan_survives_its_json(media: Media, data: st.DataObject) -> None:
    doc = data.draw(drafts(media, data.draw(st.sampled_from(APPS))))
    options = RenderOptions(
        fps=data.draw(st.sampled_from([None, 24.0, 29.97, 60.0])),
        width=data.draw(st.sampled_from([None, 97, 320])),
        chunk_seconds=data.draw(st.sampled_from([10.0, 0.5])),
    )
    plan = build_plan(doc, options)
    text = plan.to_json()
    again = Plan.from_json(text)
    assert again == plan
    assert again.to_json() == text
    # canonical: sorted keys, no spaces, so the bytes (and their hash) depend on the plan alone
    assert text == json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def test_equal_plans_give_equal_bytes_and_a_changed_plan_another_hash() -> None:
    draft = Draft()
    track = draft.track("video")
    draft.video(track, "/m/a.mp4", 0, SEC)
    draft.text(draft.track("text"), "字幕", 0, SEC)
    first, second = build_plan(draft.doc), build_plan(draft.doc)
    assert first is not second and first.to_json() == second.to_json()
    shifted = build_plan(draft.doc, RenderOptions(fps=25.0))
    digest = [hashlib.sha256(p.to_json().encode()).hexdigest() for p in (first, shifted)]
    assert digest[0] != digest[1]


def test_a_plan_file_that_does_not_fit_names_the_field() -> None:
    draft = Draft()
    draft.video(draft.track("video"), "/m/a.mp4", 0, SEC)
    data = json.loads(build_plan(draft.doc).to_json())
    data["layers"][0]["kind"] = "hologram"
    with pytest.raises(pydantic.ValidationError, match="kind"):
        Plan.from_json(json.dumps(data))
