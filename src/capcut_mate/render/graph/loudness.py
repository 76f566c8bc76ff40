"""Loudness normalisation: two-pass EBU R128 (ffmpeg loudnorm) to an integrated target in LUFS.

Pass one measures the mix; pass two applies loudnorm with those measurements and linear=true, which is one
gain for the whole programme (the mix's dynamics kept) whenever that gain leaves the true peak under
TRUE_PEAK; otherwise loudnorm falls back to its dynamic mode, which still lands on the target.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from capcut_mate.render.errors import RenderError
from capcut_mate.render.graph.expr import num

TRUE_PEAK = -1.0  # dBTP
RANGE = 20.0  # LU: loudnorm's loudness range target; wide, so a dynamic mix is not held to a narrow one
# Quieter than this is silence for R128 (its absolute gate): nothing to normalise.
SILENT_LUFS = -70.0
# The measurement settings the caller may ask for (the API validates against these).
LOWEST_TARGET = -70.0
HIGHEST_TARGET = -5.0


@dataclass(frozen=True)
class Measured:
    """loudnorm's first-pass figures of a sound."""

    integrated: float  # LUFS
    true_peak: float  # dBTP
    loudness_range: float  # LU
    threshold: float  # LUFS
    offset: float  # LU: target_offset


def measure(ffmpeg: str, input_args: list[str], target: float = -14.0) -> Measured:
    """Measure the sound read by `input_args` (an ffmpeg `-i` group, its first audio stream)."""
    args = [ffmpeg, "-hide_banner", "-nostdin", "-nostats", *input_args, "-map", "0:a:0"]
    args += ["-af", f"{_loudnorm(target)}:print_format=json", "-f", "null", "-"]
    try:
        done = subprocess.run(args, capture_output=True, text=True, errors="replace", check=False)
    except OSError as exc:
        raise RenderError("FFMPEG_FAILED", f"cannot start ffmpeg {ffmpeg!r}: {exc}") from exc
    text = done.stderr
    start, end = text.rfind("{"), text.rfind("}")
    if done.returncode != 0 or start < 0 or end < start:
        raise RenderError("FFMPEG_FAILED", f"cannot measure the loudness:\n{text[-2000:]}")
    figures = json.loads(text[start : end + 1])
    return Measured(
        integrated=_lufs(figures["input_i"]),
        true_peak=_lufs(figures["input_tp"]),
        loudness_range=_lufs(figures["input_lra"]),
        threshold=_lufs(figures["input_thresh"]),
        offset=_lufs(figures["target_offset"]),
    )


def normalise_filter(target: float, measured: Measured) -> list[str]:
    """Pass two: the filters bringing a sound measured as `measured` to `target` LUFS (nothing for silence).

    loudnorm works at 192 kHz; the sound goes back to 48 kHz after it."""
    if measured.integrated <= SILENT_LUFS:
        return []
    values = (
        f"measured_I={num(measured.integrated)}:measured_TP={num(measured.true_peak)}"
        f":measured_LRA={num(measured.loudness_range)}:measured_thresh={num(measured.threshold)}"
        f":offset={num(measured.offset)}"
    )
    return [f"{_loudnorm(target)}:{values}:linear=true", "aresample=48000"]


def measure_file(ffmpeg: str, path: Path) -> float | None:
    """The integrated loudness of a file's sound in LUFS, rounded to 0.1 (None where it is silent)."""
    integrated = measure(ffmpeg, ["-i", str(path.resolve())]).integrated
    return round(integrated, 1) if integrated > SILENT_LUFS else None


def _loudnorm(target: float) -> str:
    return f"loudnorm=I={num(target)}:TP={num(TRUE_PEAK)}:LRA={num(RANGE)}"


def _lufs(value: object) -> float:
    """loudnorm prints numbers as strings, "-inf" for silence."""
    try:
        return max(float(str(value)), -99.0)
    except ValueError:
        return -99.0
