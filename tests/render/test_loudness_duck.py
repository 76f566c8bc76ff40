"""gen_video's sound options: loudness normalised to a LUFS target, music ducked under the voice.

Real renders of small drafts (a 220 Hz "music" bed under a 1 kHz "voice"); the music's level is read from the
output by its own frequency, so the voice in the same window does not count.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render.graph import ducking
from tests import mediagen
from tests.render.draftkit import Draft
from tests.render.helpers import render, samples

SEC = 1_000_000
MUSIC_HZ = 220.0
VOICE = (2.0, 4.0)  # the voice clip's span on the timeline, seconds


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sound")
    mediagen.run_ffmpeg("-f", "lavfi", "-i", f"sine=frequency={MUSIC_HZ:g}:sample_rate=48000:duration=6",
                        "-af", "volume=0.1", str(folder / "music.wav"))  # fmt: skip
    # A "voice": 1 kHz in syllables (on and off five times a second), much louder than the music.
    syllables = "0.4*sin(2*PI*1000*t)*gt(sin(2*PI*5*t),0)"
    mediagen.run_ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{syllables}':s=48000:d=2", str(folder / "voice.wav"))
    mediagen.color_video(folder / "picture.mp4", size=(64, 64), fps=10, tone_hz=None)
    return folder


def draft(media: Path, duck_roles: bool = True) -> dict[str, object]:
    d = Draft(64, 64, 10.0)
    pictures = d.track("video")
    for n in range(3):  # three clips back to back: a chunked render may cut between them
        d.video(pictures, media / "picture.mp4", n * 2 * SEC, 2 * SEC, size=(64, 64))
    d.audio(d.track("audio", "music"), media / "music.wav", 0, 6 * SEC, role="music")
    start, end = VOICE
    voice_role = "voice" if duck_roles else ""
    d.audio(d.track("audio", "voice"), media / "voice.wav", int(start * SEC), int((end - start) * SEC), role=voice_role)
    return d.doc


def music_level_db(signal: np.ndarray, rate: int, start: float, end: float) -> float:
    """The 220 Hz component's amplitude in [start, end), in dBFS (a lock-in: other frequencies average out)."""
    part = signal[int(start * rate) : int(end * rate)]
    t = np.arange(len(part)) / rate
    amplitude = 2 * abs(np.mean(part * np.exp(-2j * np.pi * MUSIC_HZ * t)))
    return float(20 * np.log10(max(amplitude, 1e-9)))


def integrated_lufs(path: Path) -> float:
    """The file's integrated loudness as ffmpeg's ebur128 filter reads it (independent of the render's own)."""
    args = [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0", "-af", "ebur128", "-f", "null"]
    done = subprocess.run([*args, "-"], capture_output=True, text=True, check=True)
    summary = done.stderr[done.stderr.rindex("Summary:") :]
    return float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]


@pytest.mark.parametrize(("target", "chunk_seconds"), [(-14.0, 0.0), (-23.0, 0.0), (-14.0, 2.0)])
def test_the_output_is_as_loud_as_the_target(media: Path, tmp_path: Path, target: float, chunk_seconds: float) -> None:
    out = tmp_path / "out.mp4"
    report = render(draft(media), media, out, loudness=target, chunk_seconds=chunk_seconds)
    assert abs(integrated_lufs(out) - target) <= 1.0
    assert report.audio["loudness_target_lufs"] == target
    assert abs(report.audio["loudness_lufs"] - target) <= 1.0
    assert (len(report.notes) > 0 and "chunks" in report.notes[-1]) == (chunk_seconds > 0)


@pytest.mark.parametrize("chunk_seconds", [0.0, 2.0])
def test_music_is_ducked_while_the_voice_speaks(media: Path, tmp_path: Path, chunk_seconds: float) -> None:
    plain, ducked = tmp_path / "plain.mp4", tmp_path / "ducked.mp4"
    render(draft(media), media, plain, chunk_seconds=chunk_seconds)
    report = render(draft(media), media, ducked, duck=True, chunk_seconds=chunk_seconds)
    start, end = VOICE
    for path, lowered in ((plain, 0.0), (ducked, ducking.DUCK_DB)):
        signal, rate = samples(path)
        before = music_level_db(signal, rate, 0.5, start - ducking.ATTACK_S)
        during = music_level_db(signal, rate, start + 0.1, end - 0.1)
        after = music_level_db(signal, rate, end + ducking.RELEASE_S, 5.8)
        assert abs(before - after) < 0.5
        assert before - during == pytest.approx(lowered, abs=0.5)
    assert report.audio["ducked_db"] >= 8


def test_without_a_voice_role_nothing_is_ducked(media: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    render(draft(media, duck_roles=False), media, out, duck=True)
    signal, rate = samples(out)
    before = music_level_db(signal, rate, 0.5, 1.8)
    assert abs(before - music_level_db(signal, rate, 2.1, 3.9)) < 0.5


def test_the_ramps_are_smooth(media: Path, tmp_path: Path) -> None:
    """No step in the music's level: in 50 ms windows across the attack it moves by less than the full depth."""
    out = tmp_path / "out.mp4"
    render(draft(media), media, out, duck=True)
    signal, rate = samples(out)
    starts = np.arange(VOICE[0] - 0.3, VOICE[0] + 0.1, 0.05)
    levels = [music_level_db(signal, rate, s, s + 0.05) for s in starts]
    steps = np.abs(np.diff(levels))
    assert steps.max() < ducking.DUCK_DB / 2 and levels[0] - levels[-1] > 8


@given(
    spans=st.lists(st.tuples(st.floats(0, 20), st.floats(0.05, 5)), min_size=1, max_size=6).map(
        lambda pairs: [(s, s + d) for s, d in pairs]
    )
)
def test_depth_is_full_inside_a_voice_none_far_from_it_and_never_jumps(spans: list[tuple[float, float]]) -> None:
    windows = ducking.merged(spans)
    rate = 1000
    times = np.arange(0, 30 * rate) / rate
    depth = ducking.depth(times, windows)
    assert depth.min() >= 0 and depth.max() <= 1
    for start, end in spans:
        inside = (times >= start) & (times <= end)
        assert np.all(depth[inside] >= 1 - 1e-9)  # float rounding at the very edge
    far = np.ones_like(times, dtype=bool)
    for start, end in windows:
        far &= (times < start - ducking.ATTACK_S) | (times > end + ducking.RELEASE_S)
    assert np.all(depth[far] == 0)
    assert np.abs(np.diff(depth)).max() <= 1 / (ducking.ATTACK_S * rate) + 1e-9
