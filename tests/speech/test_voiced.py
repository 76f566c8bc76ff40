"""The voiced span of a clip, measured on real audio, and word times spread inside it."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.speech.text import split_words
from capcut_mate.speech.voiced import WINDOW_S, estimate_word_times, voiced_span
from tests.mediagen import run_ffmpeg

WINDOW_US = round(WINDOW_S * 1_000_000)


def test_the_span_is_where_the_sound_is(tmp_path: Path) -> None:
    """0.4 s silence, 1.2 s tone, 0.6 s silence: the span is the tone, to a window."""
    clip = tmp_path / "padded.wav"
    run_ffmpeg(
        "-f", "lavfi", "-i", "sine=f=300:d=1.2:sample_rate=22050", "-af", "adelay=400:all=1,apad=pad_dur=0.6",
        "-ac", "1", str(clip),
    )  # fmt: skip
    span = voiced_span(clip)
    assert abs(span.start - 400_000) <= WINDOW_US
    assert abs(span.end - 1_600_000) <= WINDOW_US
    assert abs(span.duration - 2_200_000) <= WINDOW_US


def test_a_silent_clip_is_all_span(tmp_path: Path) -> None:
    clip = tmp_path / "silent.wav"
    run_ffmpeg("-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "0.5", str(clip))
    span = voiced_span(clip)
    assert (span.start, span.end) == (0, span.duration) and span.duration > 0


@given(
    st.lists(st.sampled_from(["你", "好，", "Hello", "a", "world.", "3.14"]), min_size=1, max_size=30),
    st.integers(0, 10_000_000),
    st.integers(1, 20_000_000),
)
def test_word_times_tile_the_span_in_order(words: list[str], start: int, length: int) -> None:
    sentence = " ".join(words)
    parsed = split_words(sentence)
    times = estimate_word_times(parsed, start, start + length)
    assert times[0][0] == start and times[-1][1] == start + length
    assert all(a[1] == b[0] for a, b in itertools.pairwise(times))
    assert all(begin <= end for begin, end in times)
    heavy = max(range(len(parsed)), key=lambda i: parsed[i].weight)
    light = min(range(len(parsed)), key=lambda i: parsed[i].weight)
    assert times[heavy][1] - times[heavy][0] >= times[light][1] - times[light][0] - 1
