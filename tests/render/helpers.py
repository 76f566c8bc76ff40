"""Decode rendered MP4s with PyAV so tests can assert on pixels and samples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np

from capcut_mate.render import DraftMediaResolver, RenderOptions, RenderReport, render_draft


def render(draft: dict[str, Any], media_dir: Path, out: Path, **options: Any) -> RenderReport:
    return render_draft(draft, DraftMediaResolver(media_dir), out, RenderOptions(**options))


def rgb_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").astype(int) for frame in container.decode(video=0)]


def luma_frames(path: Path) -> list[np.ndarray]:
    """Raw Y plane (limited range, as encoded): the counter clip's 16 + 4n survives as is."""
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            plane = frame.planes[0]
            rows = np.frombuffer(bytes(plane), np.uint8).reshape(frame.height, plane.line_size)
            out.append(rows[:, : frame.width].astype(int))
    return out


def samples(path: Path) -> tuple[np.ndarray, int]:
    """Mono float samples and the rate."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        chunks = [frame.to_ndarray().reshape(len(frame.layout.channels), -1).mean(axis=0) for frame in
                  container.decode(audio=0)]  # fmt: skip
    return np.concatenate(chunks), rate


def rms(signal: np.ndarray, rate: int, start: float, length: float = 0.05) -> float:
    window = signal[int(start * rate) : int((start + length) * rate)]
    return float(np.sqrt(np.mean(window**2))) if len(window) else 0.0


def is_color(pixel: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 40) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - np.array(rgb)) <= tolerance))
