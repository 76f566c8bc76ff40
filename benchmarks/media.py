"""Benchmark media made from scratch: photo-like JPEGs (Pillow/numpy), source videos and music (ffmpeg).

Sizes and codecs are those of real phone/camera material so decode and scale costs are realistic.
Files that already exist are kept, so `--keep DIR` reuses them between runs (the folder name carries
the duration, see render_bench.py).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from capcut_mate.ffmpeg import ffmpeg_exe

SEC = 1_000_000
FPS = 30

# Mixed orientations and megapixels, from a 2 MP crop up to a 12 MP phone photo.
PHOTO_SIZES: tuple[tuple[int, int], ...] = (
    (1600, 1200),
    (1200, 1600),
    (4032, 3024),
    (3024, 4032),
    (2048, 1536),
    (1080, 1920),
    (3000, 2000),
    (1920, 1080),
    (2400, 3200),
    (1500, 1500),
    (2560, 1440),
    (1440, 2560),
)


@dataclass(frozen=True)
class Photo:
    path: Path
    width: int
    height: int


@dataclass(frozen=True)
class Video:
    path: Path
    width: int
    height: int
    duration_us: int


@dataclass(frozen=True)
class Sound:
    path: Path
    duration_us: int


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def photo(path: Path, size: tuple[int, int], seed: int) -> Photo:
    """A JPEG with smooth colour fields, shapes and grain: compresses and scales like a real photo."""
    w, h = size
    if not path.exists():
        rng = np.random.default_rng(seed)
        coarse = Image.fromarray(rng.integers(30, 226, (6, 8, 3), dtype=np.uint8))
        img = coarse.resize((w, h), Image.Resampling.BICUBIC)
        draw = ImageDraw.Draw(img)
        for _ in range(12):
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
            r = int(rng.integers(min(w, h) // 20, min(w, h) // 4))
            fill = tuple(int(c) for c in rng.integers(0, 256, 3))
            draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=fill)
        img = img.filter(ImageFilter.GaussianBlur(radius=max(w, h) / 400))
        pixels = np.asarray(img, dtype=np.int16) + rng.normal(0, 6, (h, w, 1)).astype(np.int16)
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, quality=90)
    return Photo(path, w, h)


def source_video(path: Path, seconds: float, size: tuple[int, int] = (1920, 1080)) -> Video:
    """A 1080p H.264 recording with a voice-like track (modulated tone plus a little noise).

    GOP 250 frames (≈8 s), x264's and OBS's default: cutting inside it costs decoding from the previous
    keyframe, a real cost of talking-head edits that the renderer has to handle well.
    """
    w, h = size
    if not path.exists():
        voice = "0.3*sin(2*PI*180*t)*(0.6+0.4*sin(2*PI*3*t))+0.03*(2*random(0)-1)"
        _ffmpeg(
            "-f", "lavfi", "-i", f"testsrc2=s={w}x{h}:r={FPS}:d={seconds}",
            "-f", "lavfi", "-i", f"aevalsrc='{voice}':s=48000:d={seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-g", "250", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-shortest", str(path),
        )  # fmt: skip
    return Video(path, w, h, round(seconds * SEC))


def overlay_video(path: Path, seconds: float, size: tuple[int, int] = (1280, 720)) -> Video:
    """A silent 720p clip for picture-in-picture (screen recordings and B-roll often have no audio)."""
    w, h = size
    if not path.exists():
        _ffmpeg(
            "-f", "lavfi", "-i", f"testsrc=s={w}x{h}:r={FPS}:d={seconds}",
            "-vf", "hue=H=2*PI*t/10",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", str(path),
        )  # fmt: skip
    return Video(path, w, h, round(seconds * SEC))


def music(path: Path, seconds: float) -> Sound:
    """A stereo MP3 'song': a pulsing A-major chord, slightly different per channel."""
    if not path.exists():
        chord = "(0.15*sin(2*PI*220*t)+0.12*sin(2*PI*277.18*t)+0.12*sin(2*PI*{top}*t))*(0.6+0.4*abs(sin(2*PI*t)))"
        expr = chord.format(top=329.63) + "|" + chord.format(top=440)
        _ffmpeg(
            "-f", "lavfi", "-i", f"aevalsrc='{expr}':s=44100:d={seconds}",
            "-c:a", "libmp3lame", "-b:a", "192k", str(path),
        )  # fmt: skip
    return Sound(path, round(seconds * SEC))


@dataclass(frozen=True)
class SlideshowMedia:
    photos: tuple[Photo, ...]
    music: Sound


@dataclass(frozen=True)
class TalkingHeadMedia:
    source: Video
    overlay: Video
    music: Sound


@dataclass(frozen=True)
class FacelessMedia:
    photos: tuple[Photo, ...]
    narration: Sound
    music: Sound


@dataclass(frozen=True)
class BrollMedia:
    clips: tuple[Video, ...]
    narration: Sound
    music: Sound


def broll_media(folder: Path, seconds: float, clips: int, clip_s: float) -> BrollMedia:
    """`clips` 1080p camera clips of `clip_s` seconds (with sound), a narration and a song."""
    folder.mkdir(parents=True, exist_ok=True)
    videos = tuple(source_video(folder / f"broll_{i:02d}.mp4", clip_s) for i in range(clips))
    return BrollMedia(
        videos, narration(folder / "narration.mp3", seconds + 1), music(folder / "music.mp3", seconds + 1)
    )


def narration(path: Path, seconds: float) -> Sound:
    """A mono voice-over: the talking head's modulated tone, as a TTS track would be cut per subtitle."""
    if not path.exists():
        voice = "0.3*sin(2*PI*180*t)*(0.6+0.4*sin(2*PI*3*t))+0.03*(2*random(0)-1)"
        _ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{voice}':s=44100:d={seconds}", "-c:a", "libmp3lame", "-b:a", "96k",
                str(path))  # fmt: skip
    return Sound(path, round(seconds * SEC))


def faceless_media(folder: Path, seconds: float) -> FacelessMedia:
    """The slideshow's twelve photos (reused across segments), a narration and a song, a second longer than asked."""
    shared = slideshow_media(folder, seconds)
    return FacelessMedia(shared.photos, narration(folder / "narration.mp3", seconds + 1), shared.music)


def slideshow_media(folder: Path, seconds: float) -> SlideshowMedia:
    """Twelve photos and a song at least `seconds` long."""
    folder.mkdir(parents=True, exist_ok=True)
    photos = tuple(photo(folder / f"photo_{i:02d}.jpg", size, seed=i) for i, size in enumerate(PHOTO_SIZES))
    return SlideshowMedia(photos, music(folder / "music.mp3", seconds + 1))


def talking_head_media(folder: Path, source_s: float, overlay_s: float, music_s: float) -> TalkingHeadMedia:
    """The camera clip, the PiP clip and a song, each a second longer than asked (no edge-of-file reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    return TalkingHeadMedia(
        source_video(folder / "camera.mp4", source_s + 1),
        overlay_video(folder / "screen.mp4", overlay_s + 1),
        music(folder / "music.mp3", music_s + 1),
    )
