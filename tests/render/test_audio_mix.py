"""The audio mix (render/graph/audio.py): windowed equals one graph, levels of multichannel and low-rate sources."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render.graph import audio
from capcut_mate.render.graph.build import build_graph
from capcut_mate.render.plan.model import AudioClip, Chunk, Plan
from capcut_mate.render.prepare.inputs import AudioSource, Prepared
from capcut_mate.render.prepare.probe import probe
from tests import mediagen
from tests.render.draftkit import Draft
from tests.render.helpers import render

SEC = 1_000_000
RATE = audio.SAMPLE_RATE


@pytest.fixture(scope="module")
def sounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A stereo MP3 (different tones per side), a mono 8 kHz WAV and a 5.1 AAC file, a few seconds each."""
    folder = tmp_path_factory.mktemp("sounds")
    stereo = folder / "stereo.mp3"
    mediagen.run_ffmpeg("-f", "lavfi", "-i", "aevalsrc='0.3*sin(2*PI*330*t)|0.2*sin(2*PI*550*t)':s=44100:d=4",
                        str(stereo))  # fmt: skip
    low = folder / "low.wav"
    mediagen.run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=8000:duration=4", "-af", "volume=0.5",
                        "-c:a", "pcm_s16le", str(low))  # fmt: skip
    surround = folder / "surround.m4a"
    six = "|".join(f"0.1*sin(2*PI*{200 + 50 * n}*t)" for n in range(6))
    mediagen.run_ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{six}':s=48000:d=4:c=5.1", "-c:a", "aac", str(surround))
    return {"stereo": stereo, "low": low, "surround": surround}


def source(path: Path, start_us: int, duration_us: int, **fields: object) -> AudioSource:
    clip = AudioClip("s", "audio", str(path), start_us, duration_us, 0)
    return AudioSource(dataclasses.replace(clip, **fields), path, probe(path))  # type: ignore[arg-type]


def read_f32(path: Path) -> np.ndarray:
    return np.fromfile(path, dtype="<f4").reshape(-1, 2)


def graph_mix(items: list[AudioSource], duration_s: float, work: Path) -> np.ndarray:
    """The single-pass renderer's own audio graph (build_graph), written as float PCM instead of AAC."""
    duration_us = round(duration_s * SEC)
    plan = Plan(64, 64, 64, 64, 30.0, duration_us, [], [item.clip for item in items], chunks=[Chunk(0, duration_us)])
    graph = build_graph(plan, Prepared([], items), video=False)
    (work / "graph.txt").write_text(graph.script, encoding="utf-8")
    out = work / "graph.f32"
    args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *(a for g in graph.inputs for a in g)]
    args += ["-/filter_complex", "graph.txt", "-map", "[aout]", "-f", "f32le", str(out)]
    subprocess.run(args, cwd=work, check=True)
    return read_f32(out)


CLIPS = st.lists(
    st.tuples(
        st.sampled_from(["stereo", "low", "surround"]),
        st.integers(0, 2_400_000),  # start
        st.integers(1_000, 1_500_000),  # duration
        st.integers(0, 2_000_000),  # source start
        st.sampled_from([1.0, 1.0, 0.5, 1.7]),  # speed
        st.sampled_from([1.0, 0.4, 2.0]),  # volume
        st.integers(0, 600_000),  # fade in
        st.integers(0, 600_000),  # fade out
        st.booleans(),  # volume keyframes
    ),
    min_size=1,
    max_size=7,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clips=CLIPS, size=st.integers(1, 3))
def test_windowed_mix_equals_the_one_graph_mix(
    sounds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, clips: list[tuple], size: int
) -> None:
    """Clips of every kind placed at random across window boundaries: the same samples, up to float rounding."""
    work = tmp_path_factory.mktemp("mix")
    items = [
        source(sounds[name], start, length, source_start_us=skip, speed=speed, volume=volume, fade_in_us=fin,
               fade_out_us=fout, volume_keyframes=[(0, 0.2), (length, 1.5)] if keyed else [])
        for name, start, length, skip, speed, volume, fin, fout, keyed in clips
    ]  # fmt: skip
    duration_s = 3.0
    whole = graph_mix(items, duration_s, work)
    windowed = read_f32(audio.mix_windows(ffmpeg_exe(), items, duration_s, work, 60.0, size=size))
    assert len(audio.windows(items, size)) == -(-len(items) // size)
    assert len(windowed) >= len(whole) == round(duration_s * RATE)
    if max(length for _, _, length, *_ in clips) >= 300_000:
        assert np.abs(whole).max() > 0.01  # something plays
    np.testing.assert_allclose(windowed[: len(whole)], whole, rtol=0, atol=1e-5)


def test_windowed_render_ends_with_the_video(sounds: dict[str, Path], tmp_path: Path) -> None:
    """The encoded windowed mix lasts the video's length (a clip running past the end is cut there)."""
    items = [source(sounds["stereo"], n * 700_000, 1_500_000) for n in range(5)]
    out = tmp_path / "audio.m4a"
    from capcut_mate.render.options import RenderOptions

    audio.render_mix(ffmpeg_exe(), items, 2.5, tmp_path, out, RenderOptions())
    with av.open(str(out)) as container:
        decoded = sum(frame.samples for frame in container.decode(audio=0))
    assert abs(decoded - 2.5 * RATE) < 1024  # one AAC frame of priming at most
    assert not (tmp_path / audio.MIX_FILE).exists() and not list(tmp_path.glob("window*.f32"))


def channel_levels(path: Path, start: float, end: float) -> tuple[float, float]:
    """RMS of the left and right channels of a rendered file between two times."""
    with av.open(str(path)) as container:
        frames = [frame.to_ndarray() for frame in container.decode(audio=0)]
    both = np.concatenate(frames, axis=1)
    part = both[:, int(start * RATE) : int(end * RATE)]
    return float(np.sqrt(np.mean(part[0] ** 2))), float(np.sqrt(np.mean(part[1] ** 2)))


def render_sound(path: Path, folder: Path, out: Path) -> Path:
    draft = Draft(64, 64)
    draft.audio(draft.track("audio"), path, 0, 2 * SEC)
    render(draft.doc, folder, out, preset="ultrafast")
    return out


def test_surround_centre_plays_as_loud_as_the_same_voice_in_mono(tmp_path: Path) -> None:
    """A voice only in a 5.1 file's centre channel comes out at the level a mono file of it does, on both sides;
    a front-left-only signal stays on the left at full level."""
    voice = "0.25*sin(2*PI*300*t)"
    mono, centre, left = tmp_path / "mono.wav", tmp_path / "centre.m4a", tmp_path / "left.m4a"
    mediagen.run_ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{voice}':s=48000:d=2", str(mono))
    mediagen.run_ffmpeg("-f", "lavfi", "-i", f"aevalsrc='0|0|{voice}|0|0|0':s=48000:d=2:c=5.1", "-c:a", "aac",
                        "-b:a", "384k", str(centre))  # fmt: skip
    mediagen.run_ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{voice}|0|0|0|0|0':s=48000:d=2:c=5.1", "-c:a", "aac",
                        "-b:a", "384k", str(left))  # fmt: skip
    assert probe(centre).channels == 6
    mono_l, mono_r = channel_levels(render_sound(mono, tmp_path, tmp_path / "m.mp4"), 0.3, 1.7)
    centre_l, centre_r = channel_levels(render_sound(centre, tmp_path, tmp_path / "c.mp4"), 0.3, 1.7)
    left_l, left_r = channel_levels(render_sound(left, tmp_path, tmp_path / "l.mp4"), 0.3, 1.7)
    assert mono_l == pytest.approx(0.25 / np.sqrt(2), rel=0.03) and mono_r == pytest.approx(mono_l, rel=0.01)
    for level in (centre_l, centre_r):
        assert 20 * np.log10(level / mono_l) == pytest.approx(0.0, abs=0.3)  # dB
    assert left_l == pytest.approx(mono_l, rel=0.035) and left_r < 0.01 * left_l


def test_8_khz_mono_resamples_cleanly(tmp_path: Path) -> None:
    """A telephone-rate voice track: the tone at its level on both sides, nothing new above its band."""
    low = tmp_path / "low.wav"
    mediagen.run_ffmpeg("-f", "lavfi", "-i", "aevalsrc='0.5*sin(2*PI*1000*t)':s=8000:d=2", "-c:a", "pcm_s16le",
                        str(low))  # fmt: skip
    out = render_sound(low, tmp_path, tmp_path / "low.mp4")
    left, right = channel_levels(out, 0.3, 1.7)
    assert left == pytest.approx(0.5 / np.sqrt(2), rel=0.03) and right == pytest.approx(left, rel=0.01)
    with av.open(str(out)) as container:
        signal = np.concatenate([frame.to_ndarray()[0] for frame in container.decode(audio=0)])
    part = signal[int(0.3 * RATE) : int(1.7 * RATE)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    freqs = np.fft.rfftfreq(len(part), 1 / RATE)
    tone = spectrum[(freqs > 950) & (freqs < 1050)].max()
    above = spectrum[freqs > 4200].max()  # images of the 8 kHz grid would sit at 7, 9, 15, 17 kHz
    assert 20 * np.log10(above / tone) < -60
