"""Small test media made with the project's ffmpeg: colour clips, frame-counter clips, tones, images.

Everything is tiny (320×240, a few seconds) so the default test run stays fast.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image

from capcut_mate.ffmpeg import ffmpeg_exe


def run_ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def color_video(
    path: Path,
    color: str = "red",
    *,
    size: tuple[int, int] = (320, 240),
    duration: float = 2.0,
    fps: int = 30,
    tone_hz: int | None = 440,
) -> Path:
    """A solid-colour H.264 clip, with a sine tone as its audio unless `tone_hz` is None."""
    w, h = size
    args = ["-f", "lavfi", "-i", f"color=c={color}:s={w}x{h}:r={fps}:d={duration}"]
    if tone_hz is not None:
        args += ["-f", "lavfi", "-i", f"sine=frequency={tone_hz}:sample_rate=44100:duration={duration}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if tone_hz is not None:
        args += ["-c:a", "aac", "-shortest"]
    run_ffmpeg(*args, str(path))
    return path


def counter_video(
    path: Path, *, size: tuple[int, int] = (320, 240), frames: int = 60, fps: int = 30, step: int = 4
) -> Path:
    """A grey clip whose luma encodes the frame number: frame n has level 16 + n*step (n < 60 at step 4).

    Lets a test read which source frame ended up in an output frame (speed, trims, timing).
    """
    w, h = size
    duration = frames / fps
    run_ffmpeg(
        "-f", "lavfi", "-i", f"color=c=black:s={w}x{h}:r={fps}:d={duration}",
        "-vf", f"geq=lum='16+N*{step}':cb=128:cr=128",
        "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
        str(path),
    )  # fmt: skip
    return path


def tone(path: Path, *, hz: int = 440, duration: float = 3.0, volume: float = 0.5) -> Path:
    """A sine tone in whatever container the suffix says (.mp3, .wav, .m4a)."""
    run_ffmpeg(
        "-f", "lavfi", "-i", f"sine=frequency={hz}:sample_rate=44100:duration={duration}",
        "-af", f"volume={volume}", str(path),
    )  # fmt: skip
    return path


def image(path: Path, color: tuple[int, int, int] = (255, 0, 0), *, size: tuple[int, int] = (320, 240)) -> Path:
    """A solid-colour still image (PNG or JPEG by suffix)."""
    Image.new("RGB", size, color).save(path)
    return path


BLOCK_FONT_FAMILY = "Mate Block Test"


def block_font(path: Path, family: str = BLOCK_FONT_FAMILY, *, style: str = "Regular") -> Path:
    """A TrueType font whose every Latin letter and digit is a solid box (fontTools' FontBuilder).

    No installed font looks like it, so a caption drawn in it is told apart from the default font by its ink:
    full boxes instead of letter shapes.
    """
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    chars = (
        [chr(c) for c in range(0x30, 0x3A)] + [chr(c) for c in range(0x41, 0x5B)] + [chr(c) for c in range(0x61, 0x7B)]
    )
    glyph_names = [".notdef", "space", *(f"g{ord(c):04X}" for c in chars)]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(glyph_names)
    builder.setupCharacterMap({0x20: "space", **{ord(c): f"g{ord(c):04X}" for c in chars}})
    box = TTGlyphPen(None)
    box.moveTo((50, 0))
    box.lineTo((50, 700))
    box.lineTo((550, 700))
    box.lineTo((550, 0))
    box.closePath()
    solid = box.glyph()
    glyphs = {name: solid for name in glyph_names}
    glyphs["space"] = TTGlyphPen(None).glyph()
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (600, 50) for name in glyph_names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": family, "styleName": style})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    builder.save(str(path))
    return path
