"""Re-renders with the chunk cache (issue 25): a render of an edited draft that reuses the units of an earlier
render is, frame for frame and sample for sample, the cold render of the edited draft.

Drafts come from tests/render/random_drafts.py (built through the editing functions); the edit is one of what a
user does between two renders: a caption's text, a segment shortened, a clip moved on the canvas. Tiny frames
and half-second chunks, so a few-second draft has several chunks and a few examples run in CI.
"""

from __future__ import annotations

import copy
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcut_mate.drafts import document
from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render import DraftMediaResolver, RenderOptions, RenderReport, render_draft
from capcut_mate.render.chunking.cache import ChunkReuse, FileHashes
from capcut_mate.storage.chunk_cache import StorageChunkCache
from capcut_mate.storage.local import LocalStorage
from tests.render.random_drafts import Media, drafts

HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture]


@pytest.fixture(scope="module")
def media(media_dir: Path) -> Media:
    return Media.from_dir(media_dir)


def framemd5(path: Path, stream: str) -> list[str]:
    """One md5 per decoded frame (or audio packet) of the file's first video or audio stream."""
    args = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", f"0:{stream}:0?", "-f", "framemd5", "-"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if not line.startswith("#")]


@st.composite
def edits(draw: st.DrawFn, doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """`doc` with one edit, and what kind it was."""
    edited = copy.deepcopy(doc)
    texts = edited["materials"].get("texts", [])
    segments = [seg for track in edited["tracks"] for seg in track["segments"]]
    kinds = ["shorten", "move"] + (["retext"] if texts else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "retext":
        material = draw(st.sampled_from(texts))
        content = json.loads(material["content"])
        content["text"] = draw(st.sampled_from(["Bye", "改了", "x"]))
        for style in content.get("styles", []):
            style["range"] = [0, len(content["text"])]
        material["content"] = json.dumps(content, ensure_ascii=False)
    elif kind == "shorten":
        segment = draw(st.sampled_from(segments))
        timerange = segment["target_timerange"]
        timerange["duration"] = max(100_000, timerange["duration"] - draw(st.integers(1, 600_000)))
        if segment.get("source_timerange"):
            segment["source_timerange"]["duration"] = min(
                segment["source_timerange"]["duration"], round(timerange["duration"] * segment.get("speed", 1.0))
            )
    else:
        segment = draw(st.sampled_from([seg for seg in segments if seg.get("clip")] or segments))
        if segment.get("clip"):
            segment["clip"]["transform"]["x"] = draw(st.floats(-0.5, 0.5))
    document.recompute_duration(edited)
    return edited, kind


def rendered(doc: dict[str, Any], folder: Path, name: str, reuse: ChunkReuse | None) -> tuple[Path, RenderReport]:
    """The render at `folder/name.mp4`; its encode progress only goes up, to 1 (reused units count at once)."""
    out = folder / f"{name}.mp4"
    options = RenderOptions(preset="ultrafast", crf=0, chunk_seconds=0.5, chunk_reuse=reuse, work_dir=folder / "work")
    seen: list[float] = []
    report = render_draft(
        doc, DraftMediaResolver(folder), out, options, lambda stage, f: seen.append(f) if stage == "encode" else None
    )
    assert seen == sorted(seen) and seen[-1] > 0.999, seen
    return out, report


@settings(deadline=None, max_examples=6, suppress_health_check=HEALTH)
@given(data=st.data())
def test_a_warm_re_render_equals_a_cold_render_of_the_edited_draft(media: Media, data: st.DataObject) -> None:
    doc = data.draw(drafts(media))
    edited, kind = data.draw(edits(doc))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        reuse = ChunkReuse(StorageChunkCache(LocalStorage(folder / "cache"), 10**9), FileHashes())
        rendered(doc, folder, "first", reuse)
        warm, report = rendered(edited, folder, "warm", reuse)
        cold, _ = rendered(edited, folder, "cold", None)
        for stream in ("v", "a"):
            assert framemd5(warm, stream) == framemd5(cold, stream), stream
    if report.chunks and kind == "retext":
        assert report.chunks[0]["reused"]  # the sound does not show captions
