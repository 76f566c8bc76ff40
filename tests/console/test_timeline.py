"""The timeline the console draws, from generated drafts: one block per segment, inside the ruler's span."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.console.timeline import seconds_label, timeline
from capcut_mate.drafts import document

KINDS = ("video", "audio", "text", "effect")
spans = st.tuples(st.integers(0, 20_000_000), st.integers(1, 10_000_000))


@given(st.lists(st.tuples(st.sampled_from(KINDS), st.lists(spans, max_size=6)), max_size=5))
def test_blocks_match_segments(tracks: list[tuple[str, list[tuple[int, int]]]]) -> None:
    doc = document.new_document(320, 240)
    for kind, segments in tracks:
        track = document.add_track(doc, kind)
        for index, span in enumerate(segments):
            material = {"id": f"m-{kind}-{len(track['segments'])}-{index}", "material_name": f"{kind}{index}.bin"}
            document.add_material(doc, "videos", material)
            track["segments"].append(document.segment(material["id"], target=span, source=None, render_index=0))
    document.recompute_duration(doc)
    drawn = timeline(doc)
    assert [row.kind for row in drawn.rows] == [kind for kind, _ in tracks]
    assert drawn.segment_count == sum(len(segments) for _, segments in tracks)
    for row, (kind, segments) in zip(drawn.rows, tracks, strict=True):
        for index, (block, (start, length)) in enumerate(zip(row.blocks, segments, strict=True)):
            assert (block.start_us, block.duration_us, block.label) == (start, length, f"{kind}{index}.bin")
            assert 0 <= block.left_pct <= 100 and block.left_pct + block.width_pct <= 100 + 1e-9
    if drawn.duration_us:
        assert drawn.ticks[0].time_us == 0 and 1 <= len(drawn.ticks) <= 13
        assert all(tick.left_pct <= 100 for tick in drawn.ticks)


def test_captions_show_their_text() -> None:
    doc = document.new_document(320, 240)
    track = document.add_track(doc, "text")
    content = {"text": "你好", "styles": []}
    document.add_material(doc, "texts", {"id": "t1", "content": json.dumps(content, ensure_ascii=False)})
    track["segments"].append(document.segment("t1", target=(0, 1_500_000), source=None, render_index=0))
    document.recompute_duration(doc)
    assert timeline(doc).rows[0].blocks[0].label == "你好"
    assert seconds_label(1_500_000) == "1.5s" and seconds_label(12_000_000) == "12s"


@given(st.integers(1, 10 * 3600 * 1_000_000))
def test_ruler_stays_short(duration: int) -> None:
    doc = document.new_document(320, 240)
    doc["duration"] = duration
    ticks = timeline(doc).ticks
    assert 1 <= len(ticks) <= 13 and ticks[0].time_us == 0 and ticks[-1].time_us <= duration
