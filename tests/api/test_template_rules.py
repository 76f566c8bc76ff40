"""The rules behind replace_text and replace_material, on generated inputs: styles follow the words they
styled, a segment keeps its place on the timeline whatever clip replaces its media, a refused replacement
changes nothing, and a conformed clip shows the frames it should (loop / freeze)."""

from __future__ import annotations

import copy
import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcut_mate.drafts import document, editing, replace_media
from capcut_mate.drafts.items import VideoInfo
from capcut_mate.drafts.text_replace import replace_text
from capcut_mate.errors import ApiError
from capcut_mate.media.conform import conform
from capcut_mate.media.fetch import FetchedMedia
from capcut_mate.media.probe import MediaInfo, probe
from tests import mediagen
from tests.render.helpers import luma_frames

SEC = 1_000_000
CHARS = st.characters(blacklist_categories=("Cs",), min_codepoint=32)
EMOJI = st.sampled_from(["🎉", "😀", "𝒜", "🏽"])  # astral: two UTF-16 units each


def units(text: str, utf16: bool) -> int:
    return len(text.encode("utf-16-le")) // 2 if utf16 else len(text)


def text_doc(text: str, styles: list[dict]) -> dict:
    doc = document.new_document(320, 240)
    material = document.text_material(
        {"text": text, "styles": styles}, alignment=1, typesetting=0, letter_spacing=0, line_spacing=0.02,
        global_alpha=1.0, has_border=False, has_shadow=False,
    )  # fmt: skip
    document.add_material(doc, "texts", material)
    track = document.add_track(doc, "text")
    track["segments"].append(document.segment(material["id"], target=(0, SEC), source=None, render_index=0))
    return doc


@st.composite
def styled_texts(draw: st.DrawFn) -> tuple[str, list[dict], bool, str, str]:
    """(text, styles covering it in runs, whether ranges count UTF-16, a piece of it to match, a replacement)."""
    text = draw(st.text(st.one_of(CHARS, EMOJI), min_size=1, max_size=30))
    utf16 = draw(st.booleans())
    cuts = sorted(set(draw(st.lists(st.integers(1, len(text) - 1), max_size=4)) if len(text) > 1 else []))
    bounds = [0, *cuts, len(text)]
    styles = [
        {"range": [units(text[:a], utf16), units(text[:b], utf16)], "marker": number, "size": 5.0 + number}
        for number, (a, b) in enumerate(itertools.pairwise(bounds))
    ]
    start = draw(st.integers(0, len(text) - 1))
    match = text[start : draw(st.integers(start + 1, len(text)))]
    piece = draw(st.text(st.one_of(CHARS, EMOJI), max_size=12))
    return text, styles, utf16, match, piece


@settings(max_examples=300, deadline=None)
@given(styled_texts())
def test_replaced_words_take_the_style_of_what_they_replace(case: tuple[str, list[dict], bool, str, str]) -> None:
    text, styles, utf16, match, piece = case
    expected = text.replace(match, piece)
    doc = text_doc(text, styles)
    before = copy.deepcopy(doc)
    try:
        result = replace_text(doc, segment_id=None, match=match, text=piece)
    except ApiError as error:  # nothing but blanks would be left
        assert error.code == "VALIDATION_ERROR" and not expected.strip() and doc == before
        return
    content = json.loads(doc["materials"]["texts"][0]["content"])
    new = content["text"]
    assert new == expected and result.replacements == text.count(match)

    # Ranges tile the new text, in the unit the draft counted in (UTF-16 only matters with astral characters).
    astral = any(ord(ch) > 0xFFFF for ch in text)
    counted = utf16 and astral
    ranges = [style["range"] for style in content["styles"]]
    assert (
        ranges[0][0] == 0 and all(a < b for a, b in ranges) and all(r[1] == s[0] for r, s in itertools.pairwise(ranges))
    )
    assert ranges[-1][1] == units(new, counted)

    # Per character: what stays keeps its style; each inserted piece has the style of the first replaced char.
    def markers(value: str, spans: list[dict], count_utf16: bool) -> list[int]:
        out = []
        for index in range(len(value)):
            offset = units(value[:index], count_utf16)
            out.append(next(s["marker"] for s in spans if s["range"][0] <= offset < s["range"][1]))
        return out

    old_marks, new_marks = markers(text, styles, counted), markers(new, content["styles"], counted)
    starts = [i for i in range(len(text)) if text.startswith(match, i)]
    starts = [s for k, s in enumerate(starts) if all(s >= t + len(match) for t in starts[:k])]  # left to right
    moved = [s + k * (len(piece) - len(match)) for k, s in enumerate(starts)]  # where each piece lands
    kept_old = [m for i, m in enumerate(old_marks) if not any(s <= i < s + len(match) for s in starts)]
    kept_new = [m for i, m in enumerate(new_marks) if not any(p <= i < p + len(piece) for p in moved)]
    assert kept_new == kept_old
    for start, landed in zip(starts, moved, strict=True):
        assert set(new_marks[landed : landed + len(piece)]) <= {old_marks[start]}, (text, match, piece)


def slot_doc(source_us: int, speed: float) -> dict:
    """A draft with one video segment playing `source_us` of a clip at `speed` (as add_videos writes it)."""
    doc = document.new_document(320, 240)
    item = VideoInfo(video_url="http://media.example/a.mp4", start=0, end=source_us)
    media = editing.LocalMedia("##/assets/videos/a.mp4", "a.mp4", MediaInfo("video", source_us, 320, 240, True))
    editing.add_videos(doc, [item], [media], clip=document.clip_settings(), speeds=[speed])
    return doc


@settings(max_examples=300, deadline=None)
@given(
    source_us=st.integers(1, 20 * SEC),
    speed=st.floats(0.2, 5.0),
    clip_us=st.integers(1, 30 * SEC),
    fit=st.sampled_from([None, "speed", "loop", "freeze"]),
    kind=st.sampled_from(["video", "photo"]),
)
def test_a_segment_keeps_its_place_whatever_clip_replaces_its_media(
    source_us: int, speed: float, clip_us: int, fit: str | None, kind: str
) -> None:
    doc = slot_doc(source_us, speed)
    before = copy.deepcopy(doc)
    (segment,) = doc["tracks"][0]["segments"]
    target = dict(segment["target_timerange"])
    info = MediaInfo(kind, 0 if kind == "photo" else clip_us, 64, 48, kind == "video")
    media = editing.LocalMedia("##/assets/videos/b.mp4", "b.mp4", info)
    targets = replace_media.find_targets(doc, None, "a.mp4")
    slow_enough = clip_us / target["duration"] >= replace_media.MIN_SPEED
    try:
        result = replace_media.replace_material(doc, targets, media, fit, "http://media.example/b.mp4")
    except ApiError as error:
        assert kind == "video" and clip_us < source_us and (fit != "speed" or not slow_enough)
        needed = "0.1x" if fit == "speed" else f"at least {source_us / 1e6:.3f} s"
        assert error.code == "MEDIA_TOO_SHORT" and needed in error.details and doc == before
        return
    assert segment["target_timerange"] == target and result.segment_ids == [segment["id"]]
    played = segment["source_timerange"]
    assert played["start"] == 0
    if kind == "photo" or clip_us >= source_us:
        assert played["duration"] == source_us and segment["speed"] == speed and result.speeds == {}
    else:
        assert fit == "speed" and played["duration"] == clip_us
        assert abs(played["duration"] / segment["speed"] - target["duration"]) < 1e-6 * target["duration"] + 1
    (speed_item,) = [m for m in doc["materials"]["speeds"] if m["id"] in segment["extra_material_refs"]]
    assert speed_item["speed"] == segment["speed"]
    material = doc["materials"]["videos"][0]
    assert (
        material["id"] == segment["material_id"] and material["type"] == kind and material["material_name"] == "b.mp4"
    )


@pytest.fixture(scope="module")
def counter(tmp_path_factory: pytest.TempPathFactory) -> FetchedMedia:
    """A 1 s counter clip (frame n has luma 16 + 4n) as the fetcher hands it over."""
    path = mediagen.counter_video(tmp_path_factory.mktemp("counter") / "counter.mp4", frames=30)
    return FetchedMedia("http://media.example/counter.mp4", path, ".mp4", probe(path), "0" * 64)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(needed_us=st.integers(SEC // 5, 3 * SEC), fit=st.sampled_from(["loop", "freeze"]))
def test_a_conformed_clip_loops_or_holds_its_last_frame(
    counter: FetchedMedia, tmp_path_factory: pytest.TempPathFactory, needed_us: int, fit: str
) -> None:
    out = conform(counter, needed_us, fit, tmp_path_factory.mktemp("conform"), audio_only=False)
    assert out.info.kind == "video" and needed_us <= out.info.duration_us <= needed_us + 200_000
    frames = [float(frame.mean()) for frame in luma_frames(out.path)]
    assert len(frames) >= needed_us * 30 // SEC
    for n, luma in enumerate(frames):
        source = n % 30 if fit == "loop" else min(n, 29)
        assert abs(luma - (16 + 4 * source)) < 2.5, (n, luma, source)
