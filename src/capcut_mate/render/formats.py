"""Output choices a caller may make per render: resolution, fps, quality and container format.

One table per knob, so the API validates against the same values the encoder uses:

| quality  | H.264 (mp4)            | VP9 (webm)                  | meant for                       |
|----------|------------------------|-----------------------------|---------------------------------|
| draft    | superfast, CRF 32      | realtime, cpu-used 8, CRF 40 | a quick look, smallest file     |
| standard | veryfast, CRF 23       | good, cpu-used 5, CRF 33    | the default (today's settings)  |
| high     | medium, CRF 18         | good, cpu-used 2, CRF 28    | publishing                      |

mp4 is H.264 + AAC (the default), webm VP9 + Opus, gif a palette-optimised loop without sound (for short
clips: the palette pass holds the whole video). Resolutions name the short side; the long side follows the
draft's canvas aspect, rounded to an even number of pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Format = Literal["mp4", "webm", "gif"]
Quality = Literal["draft", "standard", "high"]
Resolution = Literal["480p", "720p", "1080p", "2k", "4k"]

FORMATS: tuple[Format, ...] = ("mp4", "webm", "gif")
QUALITIES: tuple[Quality, ...] = ("draft", "standard", "high")
FPS_CHOICES = (24, 25, 30, 50, 60)
SHORT_SIDE: dict[Resolution, int] = {"480p": 480, "720p": 720, "1080p": 1080, "2k": 1440, "4k": 2160}
X264: dict[Quality, tuple[str, int]] = {
    # Not ultrafast: it drops CABAC and B-frames, so at any useful CRF its files are 2-3x standard's.
    # superfast at CRF 32 encodes in ~70 % of standard's CPU time to ~0.5-0.75x its size (benchmarks.quality).
    "draft": ("superfast", 32),
    "standard": ("veryfast", 23),
    "high": ("medium", 18),
}
VP9: dict[Quality, tuple[str, int, int]] = {
    "draft": ("realtime", 8, 40),
    "standard": ("good", 5, 33),
    "high": ("good", 2, 28),
}


@dataclass(frozen=True)
class OutputChoice:
    """What the caller asked for (None = the draft's own / today's default)."""

    resolution: Resolution | None = None
    width: int | None = None
    height: int | None = None
    fps: int | None = None
    quality: Quality | None = None
    format: Format | None = None
    loudness: float | None = None  # integrated LUFS target (render/graph/loudness.py)
    duck: bool | None = None  # music lowered under the voice (render/graph/ducking.py)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> OutputChoice:
        return cls(**(data or {}))


def short_side_size(canvas: tuple[int, int], short: int) -> tuple[int, int]:
    """(width, height) with the short side `short` and the canvas's aspect, both even."""
    w, h = canvas
    if w >= h:
        return max(2, 2 * round(short * w / h / 2)), short
    return short, max(2, 2 * round(short * h / w / 2))


def suffix(fmt: str) -> str:
    return f".{fmt}"


def video_args(fmt: str, quality: str, preset: str, crf: int) -> list[str]:
    """Encoder arguments after the maps. mp4 keeps the caller's preset/CRF (RenderOptions' defaults)."""
    if fmt == "webm":
        deadline, cpu_used, vp9_crf = VP9[quality]  # type: ignore[index]
        return ["-c:v", "libvpx-vp9", "-deadline", deadline, "-cpu-used", str(cpu_used), "-row-mt", "1",
                "-crf", str(vp9_crf), "-b:v", "0", "-pix_fmt", "yuv420p"]  # fmt: skip
    if fmt == "gif":
        return ["-c:v", "gif"]
    return ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]


def audio_args(fmt: str) -> list[str]:
    if fmt == "webm":
        return ["-c:a", "libopus", "-b:a", "128k", "-f", "webm"]
    if fmt == "gif":
        return ["-f", "gif"]
    return ["-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", "-f", "mp4"]


def encoding_used(options: Any) -> dict[str, Any]:
    """What the render report records about the encoder (RenderOptions in, plain data out)."""
    fmt, quality = options.format, options.quality
    if fmt == "webm":
        deadline, cpu_used, crf = VP9[quality]
        return {"format": fmt, "quality": quality, "video": f"vp9 {deadline} cpu-used {cpu_used} crf {crf}",
                "audio": "opus 128k"}  # fmt: skip
    if fmt == "gif":
        return {"format": fmt, "quality": quality, "video": "gif (own palette, bayer dither)", "audio": "none"}
    return {"format": fmt, "quality": quality, "video": f"h264 {options.preset} crf {options.crf}", "audio": "aac 192k"}


def has_audio(fmt: str) -> bool:
    return fmt != "gif"


def graph_tail(fmt: str) -> str:
    """Extra filter lines after [vout]: a GIF gets its own palette (256 colours chosen for this video)."""
    if fmt != "gif":
        return ""
    return (
        "[vout]split[gifa][gifb];\n[gifa]palettegen=stats_mode=diff[gifpal];\n"
        "[gifb][gifpal]paletteuse=dither=bayer[gif];\n[aout]anullsink\n"
    )


def video_label(fmt: str) -> str:
    return "[gif]" if fmt == "gif" else "[vout]"
