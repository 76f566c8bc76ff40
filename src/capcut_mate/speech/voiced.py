"""Where the voice is in a synthesised clip, and word times estimated inside it.

Engines pad speech with silence (espeak-ng: a few ms before, ~0.3 s after). The narration places only the
voiced span on the timeline, so a caption that starts with its audio starts with the voice. The span is
found from the decoded samples (PyAV): 5 ms windows whose RMS level is within VOICED_DB of the clip's
loudest window (and above an absolute floor, so a silent clip is not all "voice").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from capcut_mate.speech.text import Word

WINDOW_S = 0.005
VOICED_DB = 40.0  # a window this far below the loudest one is silence
FLOOR_RMS = 1e-4  # -80 dBFS: below this nothing is voice, however quiet the clip


@dataclass(frozen=True)
class VoicedSpan:
    """[start, end) µs of the voice inside a clip of `duration` µs."""

    start: int
    end: int
    duration: int

    @property
    def length(self) -> int:
        return self.end - self.start


def mono_samples(path: Path) -> tuple[np.ndarray, int]:
    """Mono float samples of the clip's first audio stream, and their rate."""
    resampler = av.AudioResampler(format="flt", layout="mono")
    chunks = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        for frame in container.decode(stream):
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return (np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)), rate


def voiced_span(path: Path) -> VoicedSpan:
    """The span from the first to the last voiced window; the whole clip when nothing in it is voiced."""
    samples, rate = mono_samples(path)
    duration = round(len(samples) * 1_000_000 / rate)
    window = max(1, round(rate * WINDOW_S))
    count = len(samples) // window
    if count == 0:
        return VoicedSpan(0, duration, duration)
    rms = np.sqrt((samples[: count * window].astype(np.float64).reshape(count, window) ** 2).mean(axis=1))
    threshold = max(FLOOR_RMS, float(rms.max()) * 10 ** (-VOICED_DB / 20))
    voiced = np.nonzero(rms > threshold)[0]
    if len(voiced) == 0:
        return VoicedSpan(0, duration, duration)
    start = round(int(voiced[0]) * window * 1_000_000 / rate)
    end = min(duration, round((int(voiced[-1]) + 1) * window * 1_000_000 / rate))
    return VoicedSpan(start, end, duration)


def estimate_word_times(words: Sequence[Word], start: int, end: int) -> list[tuple[int, int]]:
    """Back-to-back [start, end) µs for `words` across [start, end), each as long as its share of the weight."""
    total = sum(word.weight for word in words)
    times, done = [], 0
    for word in words:
        begin = start + (end - start) * done // total
        done += word.weight
        times.append((begin, start + (end - start) * done // total))
    return times
