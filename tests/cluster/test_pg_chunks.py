"""Helpers of a chunked render on PostgreSQL: a worker renders the units of a split from the parent's stored
plan, only when that plan's fingerprint agrees with its own code. (The chunk store itself is in the contract
suite, tests/persistence/test_chunks.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from capcut_mate.jobs.farm import PLAN_FILE, RenderFarm, render_waiting_units, scratch_prefix
from capcut_mate.persistence.chunks import ChunkStore
from capcut_mate.render import DraftMediaResolver, RenderOptions
from capcut_mate.render.chunking.units import output_settings, plan_fingerprint
from capcut_mate.render.plan.build import build_plan
from capcut_mate.storage.local import LocalStorage
from tests.render.draftkit import Draft

pytest.importorskip("procrastinate", reason="cluster extra not installed (pip install -e '.[cluster]')")

from capcut_mate.persistence.postgres import PgConnector


@pytest.fixture
def chunks(pg_url: str) -> Iterator[ChunkStore]:
    db = PgConnector(pg_url, max_size=8)
    db.migrate()
    try:
        yield ChunkStore(db)
    finally:
        db.close()


def test_a_helper_renders_the_units_of_a_plan_like_its_own_only(
    chunks: ChunkStore, media_dir: Path, tmp_path: Path
) -> None:
    """A worker for which the stored plan has another fingerprint (other code) leaves the units alone; one
    that agrees renders every waiting unit of the parent's plan into storage, without planning again."""
    draft = Draft(160, 96)
    words = draft.track("text")
    for n in range(3):
        draft.text(words, f"word {n}", n * 1_000_000, 1_000_000)
    farm = RenderFarm(chunks, LocalStorage(tmp_path / "data"), 30)
    settings = output_settings(RenderOptions(chunk_seconds=1, preset="ultrafast"))
    plan = build_plan(draft.doc, RenderOptions(**settings))
    farm.storage.put_bytes(scratch_prefix("t1") + PLAN_FILE, plan.to_json().encode())
    spans = [(0, plan.duration_us), *((chunk.start_us, chunk.end_us) for chunk in plan.chunks)]
    assert len(spans) == 4
    resolver = DraftMediaResolver(media_dir)

    chunks.replace_split("t1", "planned-by-other-code", settings, spans)
    assert render_waiting_units(farm, "t1", "w1", tmp_path / "work", RenderOptions(), resolver) == 0
    assert [u.state for u in chunks.units("t1", "planned-by-other-code")] == ["pending"] * 4

    fingerprint = plan_fingerprint(plan.to_json(), RenderOptions(**settings))
    chunks.replace_split("t1", fingerprint, settings, spans)
    assert render_waiting_units(farm, "t1", "w1", tmp_path / "work", RenderOptions(), resolver) == 4
    units = chunks.units("t1", fingerprint)
    assert all(u.state == "done" and u.owners == ["w1"] for u in units)
    assert all(farm.storage.exists(str(u.output_key)) for u in units)
    farm.clean("t1")
    assert chunks.split("t1") is None and farm.storage.list("renders/") == []
