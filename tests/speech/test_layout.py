"""drafts.narration's layout over generated clips: back to back with the gap, each caption exactly its audio,
sources inside the files, words inside their sentence (pure: no engine, no store)."""

from __future__ import annotations

import itertools
import json

from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.drafts import document
from capcut_mate.drafts.editing import MIN_SEGMENT_US, LocalMedia
from capcut_mate.drafts.items import CaptionStyle
from capcut_mate.drafts.narration import Layout, Line, add_narration
from capcut_mate.media.probe import MediaInfo
from capcut_mate.speech.text import split_words
from capcut_mate.speech.voiced import estimate_word_times

CLIPS = st.lists(
    st.tuples(st.sampled_from(["你好，世界。", "Hello there!", "一", "a b c d e."]),
              st.integers(MIN_SEGMENT_US, 5_000_000), st.integers(0, 500_000), st.integers(0, 500_000)),
    min_size=1, max_size=8,
)  # fmt: skip


def line(text: str, voiced: int, lead: int, tail: int) -> Line:
    duration = lead + voiced + tail
    media = LocalMedia(f"assets/audios/{duration}.wav", "s.wav", MediaInfo("audio", duration, 0, 0, True, ".wav"))
    words = split_words(text)
    return Line(text, media, (lead, lead + voiced), words, estimate_word_times(words, lead, lead + voiced))


@given(CLIPS, st.integers(0, 10_000_000), st.integers(0, 2_000_000), st.booleans())
def test_sentences_follow_each_other_and_captions_match_their_audio(
    clips: list[tuple[str, int, int, int]], start: int, gap: int, highlight: bool
) -> None:
    doc = document.new_document(1080, 1920)
    lines = [line(*clip) for clip in clips]
    answer = add_narration(doc, lines, Layout(start, gap, 1.0), CaptionStyle(), "#ffd400" if highlight else None)
    audio, captions = (next(t for t in doc["tracks"] if t["id"] == answer[k])["segments"]
                       for k in ("audio_track_id", "caption_track_id"))  # fmt: skip
    said = answer["sentences"]
    assert said[0]["start"] == start and answer["duration"] == said[-1]["end"] - start
    assert all(b["start"] - a["end"] == gap for a, b in itertools.pairwise(said))
    for sentence, clip, caption, spoken in zip(said, audio, captions, lines, strict=True):
        assert document.segment_info(clip)["start"] == document.segment_info(caption)["start"] == sentence["start"]
        assert document.segment_info(clip)["end"] == document.segment_info(caption)["end"] == sentence["end"]
        source = clip["source_timerange"]
        assert source["start"] >= 0 and source["start"] + source["duration"] <= spoken.media.info.duration_us
        assert source["duration"] >= MIN_SEGMENT_US
        times = [(w["start"], w["end"]) for w in sentence["words"]]
        assert all(sentence["start"] <= a <= b <= sentence["end"] for a, b in times)
        material = next(m for m in doc["materials"]["texts"] if m["id"] == caption["material_id"])
        ranges = [s["range"] for s in json.loads(material["content"])["styles"]]
        assert ranges[0][0] == 0 and ranges[-1][1] == len(sentence["text"])
        assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
        assert len(ranges) == (len(sentence["words"]) if highlight else 1)
        assert ("words" in material) == highlight
