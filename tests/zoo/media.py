"""Generators for the media zoo: the kinds of files people really send, made small with ffmpeg and Pillow.

Each generator writes one file and returns its path. Sizes are tiny and clips last about 2 s, so the
whole zoo is made in a few seconds once per test session.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tests.mediagen import run_ffmpeg

STICKER_SIZE = (96, 96)
STICKER_FRAMES = 6
STICKER_FRAME_MS = 200  # 6 frames of 200 ms: a 1.2 s loop
GREY_16 = 0x4000  # a 16-bit grey level: 25 % (64 in 8 bits); drawn as 255 when its range is misread


def cover_png(path: Path) -> Path:
    Image.new("RGB", (64, 64), (0, 0, 255)).save(path)
    return path


def mp3_with_cover(path: Path) -> Path:
    """An mp3 with an ID3 APIC picture, as downloaded music ships."""
    cover = cover_png(path.with_suffix(".cover.png"))
    run_ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2", "-i", str(cover),
        "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "png", "-disposition:v", "attached_pic",
        "-id3v2_version", "3", str(path),
    )  # fmt: skip
    return path


def m4a_with_cover(path: Path) -> Path:
    """An AAC m4a with cover art (a `covr` picture)."""
    cover = cover_png(path.with_suffix(".cover.png"))
    run_ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2", "-i", str(cover),
        "-map", "0:a", "-map", "1:v", "-c:a", "aac", "-c:v", "png", "-disposition:v", "attached_pic", str(path),
    )  # fmt: skip
    return path


def video_with_cover(path: Path) -> Path:
    """A red clip whose first video stream is a one-frame blue cover picture (ffmpeg plays the red one)."""
    cover = cover_png(path.with_suffix(".cover.png"))
    run_ffmpeg(
        "-f", "lavfi", "-i", "color=c=red:s=160x120:r=25:d=2", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
        "-i", str(cover), "-map", "2:v", "-map", "0:v", "-map", "1:a", "-c:v:0", "mjpeg", "-c:v:1", "libx264",
        "-pix_fmt:v:1", "yuv420p", "-c:a", "aac", "-disposition:v:0", "attached_pic", "-disposition:v:1", "default",
        str(path),
    )  # fmt: skip
    return path


def sticker_frames() -> list[Image.Image]:
    """RGBA frames: a magenta square moving left to right over a fully transparent background."""
    frames = []
    w, h = STICKER_SIZE
    for n in range(STICKER_FRAMES):
        frame = Image.new("RGBA", STICKER_SIZE, (0, 0, 0, 0))
        x = n * (w - 32) // (STICKER_FRAMES - 1)
        ImageDraw.Draw(frame).rectangle((x, h // 2 - 16, x + 31, h // 2 + 15), fill=(255, 0, 255, 255))
        frames.append(frame)
    return frames


def gif_sticker(path: Path) -> Path:
    """An animated GIF with a transparent palette entry (whose colour is white, as editors save it)."""
    frames = []
    for rgba in sticker_frames():
        frame = Image.new("P", STICKER_SIZE, 0)
        frame.putpalette([255, 255, 255, 255, 0, 255] + [0, 0, 0] * 254)
        frame.paste(1, mask=rgba.getchannel("A"))
        frames.append(frame)
    frames[0].save(
        path, save_all=True, append_images=frames[1:], duration=STICKER_FRAME_MS, loop=0, transparency=0, disposal=2
    )
    return path


def webp_sticker(path: Path) -> Path:
    """An animated WebP with alpha (lossless), the usual sticker format."""
    frames = sticker_frames()
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=STICKER_FRAME_MS, loop=0, lossless=True)
    return path


def apng_sticker(path: Path) -> Path:
    """An animated PNG with alpha."""
    frames = sticker_frames()
    frames[0].save(path, format="PNG", save_all=True, append_images=frames[1:], duration=STICKER_FRAME_MS, loop=0)
    return path


def webm_alpha_sticker(path: Path) -> Path:
    """A VP9 WebM with alpha (libvpx-vp9, yuva420p), the common format of transparent overlays: the same
    moving square as the other stickers, 5 frames a second (a 1.2 s loop)."""
    pattern = path.with_suffix(".frame%d.png")
    for n, frame in enumerate(sticker_frames()):
        frame.save(str(pattern).replace("%d", str(n)))
    run_ffmpeg(
        "-framerate", str(1000 // STICKER_FRAME_MS), "-i", str(pattern),
        "-c:v", "libvpx-vp9", "-pix_fmt", "yuva420p", "-auto-alt-ref", "0", "-lossless", "1", str(path),
    )  # fmt: skip
    return path


def still_webp(path: Path) -> Path:
    """A one-frame WebP with alpha: a photo, not an animation."""
    sticker_frames()[0].save(path, lossless=True)
    return path


def sar_clip(path: Path) -> Path:
    """240×180 stored, 4:3 pixels: displayed 320×180 (an HDV-style anamorphic clip)."""
    run_ffmpeg(
        "-f", "lavfi", "-i", "color=c=red:s=240x180:r=25:d=2", "-vf", "setsar=4/3",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path


def rotated_clip(path: Path) -> Path:
    """A phone clip: stored 160×96 landscape (red top half, blue bottom), rotation side data of 90°."""
    plain = path.with_suffix(".plain.mp4")
    run_ffmpeg(
        "-f", "lavfi", "-i", "color=c=red:s=160x48:r=25:d=2", "-f", "lavfi", "-i", "color=c=blue:s=160x48:r=25:d=2",
        "-filter_complex", "[0][1]vstack", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(plain),
    )  # fmt: skip
    run_ffmpeg("-display_rotation:v:0", "90", "-i", str(plain), "-c", "copy", str(path))
    return path


def vfr_clip(path: Path) -> Path:
    """Variable frame rate, as phones record: frames 40 ms apart, then 80 ms apart, 2 s in all."""
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=2", "-vf", "select='lt(t,1)+not(mod(n,2))'",
        "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-video_track_timescale", "25000", str(path),
    )  # fmt: skip
    return path


def ten_bit_clip(path: Path) -> Path:
    """10-bit H.264 (High 10), a mid grey."""
    run_ffmpeg(
        "-f", "lavfi", "-i", "color=c=0x808080:s=160x120:r=25:d=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", str(path),
    )  # fmt: skip
    return path


def _hdr_clip(path: Path, transfer: str, level_10bit: int) -> Path:
    """A BT.2020 10-bit clip of one grey code value, tagged with `transfer` (HLG or PQ)."""
    run_ffmpeg(
        "-f", "lavfi", "-i", "color=c=black:s=160x120:r=25:d=2",
        "-vf", f"format=yuv420p10le,geq=lum={level_10bit}:cb=512:cr=512,"
        f"setparams=color_primaries=bt2020:color_trc={transfer}:colorspace=bt2020nc:range=tv",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
        "-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc", str(path),
    )  # fmt: skip
    return path


# HLG reference white (75 % signal) and PQ 203 nits (58 % signal): both are SDR white after tone mapping,
# and both are drawn as a mid grey when the transfer is ignored.
HLG_REFERENCE_WHITE_10BIT = 64 + round(0.75 * 876)
PQ_203_NITS_10BIT = 64 + round(0.58 * 876)


def hlg_clip(path: Path) -> Path:
    return _hdr_clip(path, "arib-std-b67", HLG_REFERENCE_WHITE_10BIT)


def pq_clip(path: Path) -> Path:
    return _hdr_clip(path, "smpte2084", PQ_203_NITS_10BIT)


def surround_audio(path: Path) -> Path:
    """5.1 AAC (.m4a): a tone on the centre channel only, 2 s."""
    run_ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
        "-af", "volume=0.5,pan=5.1|FC=c0", "-c:a", "aac", str(path),
    )  # fmt: skip
    return path


def narrowband_audio(path: Path) -> Path:
    """8 kHz mono WAV (a phone recording), 2 s."""
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000:duration=2", "-af", "volume=0.5", str(path))
    return path


def grey16_png(path: Path) -> Path:
    """A 16-bit greyscale PNG at 25 % grey."""
    Image.fromarray(np.full((90, 120), GREY_16, dtype=np.uint16)).save(path)
    return path


def grey16_trns_png(path: Path) -> Path:
    """A 16-bit greyscale PNG with a tRNS chunk: left half 25 % grey, right half the transparent level (white)."""
    levels = np.full((90, 120), GREY_16, dtype=np.uint16)
    levels[:, 60:] = 0xFFFF
    Image.fromarray(levels).save(path, transparency=0xFFFF)
    return path


def rgb48_png(path: Path) -> Path:
    """A 16-bit-per-channel RGB PNG: left half dark red (25 % red), right half mid green (50 % green)."""
    raw = np.zeros((90, 120, 3), dtype=">u2")
    raw[:, :60, 0] = 0x4000
    raw[:, 60:, 1] = 0x8000
    source = path.with_suffix(".rgb48")
    source.write_bytes(raw.tobytes())
    run_ffmpeg(
        "-f", "rawvideo", "-pix_fmt", "rgb48be", "-s", "120x90", "-i", str(source), "-pix_fmt", "rgb48be", str(path)
    )
    return path


def cmyk_jpeg(path: Path) -> Path:
    """A CMYK JPEG (print workflows): pure cyan, drawn as (0, 255, 255)."""
    Image.new("CMYK", (120, 90), (255, 0, 0, 0)).save(path, quality=95)
    return path


def exif_rotated_jpeg(path: Path) -> Path:
    """A phone photo stored 120×60 (red left, blue right) with EXIF orientation 6: shown 60×120, red on top."""
    image = Image.new("RGB", (120, 60), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 60, 60))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    path.write_bytes(buffer.getvalue())
    return path
