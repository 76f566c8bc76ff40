"""The farm's chunk code on the embedded database: a parent renders a chunked draft unit by unit through
a SQLite chunk store, and the video is the one the in-process chunk runner makes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from capcut_mate.jobs.farm import ClusterChunks, RenderFarm
from capcut_mate.persistence.chunks import ChunkStore
from capcut_mate.persistence.sqlite import SqliteConnector
from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft
from capcut_mate.storage.local import LocalStorage
from tests.jobs.helpers import probe
from tests.render.draftkit import Draft
from tests.render.helpers import rgb_frames


def test_a_chunked_render_through_the_sqlite_chunk_store_matches_the_in_process_one(
    media_dir: Path, tmp_path: Path
) -> None:
    draft = Draft(160, 96)
    words = draft.track("text")
    for n in range(3):
        draft.text(words, f"word {n}", n * 1_000_000, 1_000_000)
    options = RenderOptions(chunk_seconds=1, preset="ultrafast")
    resolver = DraftMediaResolver(media_dir)
    db = SqliteConnector(tmp_path / "data" / "capcut_mate.sqlite3")
    db.migrate()
    farm = RenderFarm(ChunkStore(db), LocalStorage(tmp_path / "data"), 30)
    asked: list[int] = []
    fractions: list[float] = []

    def on_progress(stage: str, fraction: float) -> None:
        if stage == "encode":
            fractions.append(fraction)

    farmed = tmp_path / "farmed.mp4"
    chunks = ClusterChunks(farm, "t1", "w1", asked.append)
    report = render_draft(draft.doc, resolver, farmed, options, on_progress, chunks)
    local = tmp_path / "local.mp4"
    render_draft(draft.doc, resolver, local, options)

    assert asked == [3]  # unit jobs asked for every unit but the one the parent takes itself
    assert "3 chunks" in " ".join(report.notes) and fractions == sorted(fractions)
    assert farm.chunks.split("t1") is None and farm.storage.list("renders/") == []  # the scratch is gone
    assert probe(farmed) == probe(local)
    assert all(np.array_equal(a, b) for a, b in zip(rgb_frames(farmed), rgb_frames(local), strict=True))
