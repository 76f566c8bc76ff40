"""Make a clip long enough for a template slot: looped, or held on its last frame (sound padded with silence).

The app has no loop or hold flag for a segment, so replace_material's `fit: "loop" | "freeze"` is done to
the file: ffmpeg writes a new one at least as long as the slot plays, the draft keeps one plain segment
(its keyframes, animations and transitions untouched), and the app and the renderer play it alike.
The result is encoded (H.264 / AAC, as the renders are), since a held frame or a loop point cannot be
stream-copied, and probed like any downloaded media. A clip with alpha (a sticker) becomes ProRes 4444 in a
MOV instead, as animated stickers arrive (media/animated.py): H.264 would make it opaque.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from capcut_mate.errors import ApiError, clip
from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.media.fetch import FetchedMedia
from capcut_mate.media.probe import probe
from capcut_mate.streams import decoder_args, video_alpha, video_position

MARGIN_S = 0.1  # encoded past the slot, so frame and packet rounding never leave it short
# x264 with 4:2:0 chroma needs even sizes; the odd last column/row of a clip is dropped.
EVEN_SIZE = "scale=trunc(iw/2)*2:trunc(ih/2)*2"


def conform(
    media: FetchedMedia, needed_us: int, fit: str, scratch: Path, *, audio_only: bool, ffmpeg: str | None = None
) -> FetchedMedia:
    """A copy of `media` lasting at least `needed_us`: the clip repeated (`loop`) or extended (`freeze`)."""
    alpha, decoder = (False, "") if audio_only else video_alpha(media.path)
    out = scratch / ("conformed.m4a" if audio_only else "conformed.mov" if alpha else "conformed.mp4")
    args = [ffmpeg_exe(ffmpeg), "-hide_banner", "-loglevel", "error", "-y"]
    if fit == "loop":
        args += ["-stream_loop", "-1"]
    args += [*decoder_args(decoder), "-i", str(media.path)]
    args += ["-map", "0:a:0" if audio_only else f"0:v:{video_position(media.path)}"]
    if not audio_only:
        hold = ",tpad=stop=-1:stop_mode=clone" if fit == "freeze" else ""
        args += ["-vf", EVEN_SIZE + hold]
        if alpha:
            args += ["-c:v", "prores_ks", "-profile:v", "4444", "-pix_fmt", "yuva444p10le"]
        else:
            args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]
        if media.info.has_audio:
            args += ["-map", "0:a:0"]
    if media.info.has_audio:
        args += (["-af", "apad"] if fit == "freeze" else []) + ["-c:a", "aac", "-b:a", "192k"]
    args += ["-t", f"{needed_us / 1e6 + MARGIN_S:.6f}", "-movflags", "+faststart", str(out)]
    run = subprocess.run(args, capture_output=True, text=True)
    if run.returncode != 0:
        reason = run.stderr.strip().splitlines()[-1:] or [f"exit status {run.returncode}"]
        raise ApiError(
            "UNSUPPORTED_MEDIA", f"url: {clip(media.url)} could not be extended with fit {fit!r} ({clip(reason[0])})"
        )
    info = probe(out, source=clip(media.url))
    with open(out, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return FetchedMedia(media.url, out, out.suffix, info, digest)
