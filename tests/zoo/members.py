"""The media zoo's registry: each member is a file people really send, how it goes in, and what must come out.

To grow the zoo (every intake bug becomes a member): write a generator in media.py, then add one `Member`
here with the add_* endpoint it goes through and a check that measures the render (`Outcome`). A member
that must be refused says so with `refused` (the error code) instead of a check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tests.zoo import media

SLOT_US = 2_000_000  # each member is asked for 0-2 s
GREEN = (0, 160, 0)  # the picture under stickers: transparent pixels must show it


@dataclass
class Outcome:
    """What a member produced: the add_* answer, the draft's material, the render and its report."""

    answer: dict[str, Any]
    material: dict[str, Any]
    frames: list[np.ndarray]  # RGB, one per output frame
    fps: float
    audio_rms: float  # of the whole render's sound
    duration_s: float
    report: dict[str, Any]

    def frame_at(self, seconds: float) -> np.ndarray:
        return self.frames[min(len(self.frames) - 1, round(seconds * self.fps))]

    def warnings(self, feature: str) -> list[dict[str, str]]:
        return [w for w in self.report["warnings"] if w["feature"] == feature]


@dataclass(frozen=True)
class Member:
    filename: str
    make: Callable[[Path], Path]
    endpoint: str  # add_videos | add_images | add_audios
    check: Callable[[Outcome], None] | None = None
    canvas: tuple[int, int] = (320, 240)
    under: bool = False  # a green picture under the member, seen through its transparent pixels
    refused: str = ""  # the error code when the member must be refused by `endpoint`
    intake: tuple[str, int, int, int, str] | None = None  # what the fetcher makes of it: kind, w, h, µs, suffix


def _close(pixel: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 24) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - np.array(rgb)) <= tolerance))


def drawn_box(frame: np.ndarray, threshold: int = 40) -> tuple[int, int]:
    """(width, height) of what is not black: the size a layer was drawn at on a black canvas."""
    rows, cols = np.nonzero(frame.max(axis=2) > threshold)
    return int(cols.max() - cols.min() + 1), int(rows.max() - rows.min() + 1)


# ---- checks ---------------------------------------------------------------------------------------------


def sound_only(out: Outcome) -> None:
    """Music with cover art: the whole 2 s are heard, the cover is not drawn."""
    assert abs(out.duration_s - 2.0) < 0.1, out.duration_s
    assert out.material["duration"] == SLOT_US, out.material
    assert out.audio_rms > 0.05, out.audio_rms
    assert out.frame_at(1.0).max() < 30, "the cover picture must not be drawn"


def real_video_not_cover(out: Outcome) -> None:
    """The red video is drawn, not its blue one-frame cover."""
    assert (out.material["width"], out.material["height"]) == (160, 120), out.material
    for t in (0.1, 1.0, 1.9):
        assert _close(out.frame_at(t)[120, 160], (255, 0, 0), 40), out.frame_at(t)[120, 160]
    assert out.audio_rms > 0.05


def animated_sticker(out: Outcome) -> None:
    """Alpha kept (the green picture shows around the square), the square moves, the loop lasts 1.2 s.

    The 96×96 sticker is drawn 240×240 at x 40..280; its 32 px square (80 px drawn) moves 0..64 px (0..160).
    """
    assert out.material["type"] == "video" and out.material["duration"] == 1_200_000, out.material
    first, later = out.frame_at(0.1), out.frame_at(1.1)
    assert _close(first[120, 80], (255, 0, 255), 40), first[120, 80]  # the square, at its start
    assert _close(first[120, 250], GREEN, 40), first[120, 250]  # transparent there: the picture under shows
    assert _close(first[60, 160], GREEN, 40), first[60, 160]
    assert _close(later[120, 240], (255, 0, 255), 40), later[120, 240]  # the square, at its end
    assert _close(later[120, 80], GREEN, 40), later[120, 80]
    assert np.abs(first - later).mean() > 5, "an animated sticker must move"


def still_with_alpha(out: Outcome) -> None:
    """A one-frame WebP stays a photo (its square does not move) and keeps its alpha."""
    assert out.material["type"] == "photo", out.material
    first, later = out.frame_at(0.1), out.frame_at(1.5)
    assert _close(first[120, 80], (255, 0, 255), 40) and _close(later[120, 80], (255, 0, 255), 40)
    assert _close(first[120, 250], GREEN, 40), first[120, 250]
    assert np.abs(first - later).mean() < 2


def anamorphic(out: Outcome) -> None:
    """240×180 with 4:3 pixels is 320×180 shown: it fills the 320×180 canvas, no pillarbox."""
    assert drawn_box(out.frame_at(1.0)) == (320, 180), drawn_box(out.frame_at(1.0))
    assert (out.material["width"], out.material["height"]) == (320, 180), out.material


def phone_rotation(reference: np.ndarray) -> Callable[[Outcome], None]:
    """Portrait as ffmpeg autorotates it: a 96×160 picture drawn 144×240, its halves where ffmpeg puts them."""

    def check(out: Outcome) -> None:
        assert (out.material["width"], out.material["height"]) == (96, 160), out.material
        frame = out.frame_at(1.0)
        width, height = drawn_box(frame)
        assert abs(width - 144) <= 2 and height == 240, (width, height)
        for fy, fx in ((0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75)):
            expected = reference[int(fy * reference.shape[0]), int(fx * reference.shape[1])]
            drawn = frame[int(fy * 240), 88 + int(fx * 144)]
            assert _close(drawn, tuple(int(v) for v in expected), 40), (fy, fx, drawn, expected)

    return check


def variable_rate(out: Outcome) -> None:
    """A VFR phone clip: as long as it lasts (1.96 s, by its timestamps), moving throughout."""
    assert abs(out.material["duration"] - 1_960_000) <= 40_000, out.material
    assert abs(out.duration_s - out.material["duration"] / 1e6) <= 1.5 / out.fps, out.duration_s
    assert np.abs(out.frame_at(1.2) - out.frame_at(1.6)).mean() > 2


def level(expected: float, tolerance: float) -> Callable[[Outcome], None]:
    """The picture's mean level (all channels) in its centre."""

    def check(out: Outcome) -> None:
        centre = out.frame_at(1.0)[100:140, 140:180]
        assert abs(centre.mean() - expected) <= tolerance, (centre.mean(), expected)

    return check


def hdr(transfer: str) -> Callable[[Outcome], None]:
    """Reference white is drawn (nearly) white, as SDR shows it, and the report names the tone mapping."""

    def check(out: Outcome) -> None:
        centre = out.frame_at(1.0)[100:140, 140:180]
        assert centre.mean() > 225, centre.mean()  # untouched, HLG's 75 % is ~190 and PQ's 58 % ~150
        assert np.ptp(centre.mean(axis=(0, 1))) < 12, "a grey stays grey"
        warnings = out.warnings("hdr")
        assert len(warnings) == 1 and transfer in warnings[0]["message"], out.report["warnings"]
        assert "tone-mapped" in warnings[0]["message"]

    return check


def audio(out: Outcome) -> None:
    """Accepted at its full 2 s, heard in the render."""
    assert out.material["duration"] == SLOT_US and abs(out.duration_s - 2.0) < 0.1, (out.material, out.duration_s)
    assert out.audio_rms > 0.02, out.audio_rms


def halves(left: tuple[int, int, int], right: tuple[int, int, int]) -> Callable[[Outcome], None]:
    def check(out: Outcome) -> None:
        frame = out.frame_at(1.0)
        assert _close(frame[120, 60], left, 12), frame[120, 60]
        assert _close(frame[120, 260], right, 12), frame[120, 260]

    return check


def uniform(rgb: tuple[int, int, int]) -> Callable[[Outcome], None]:
    def check(out: Outcome) -> None:
        assert _close(out.frame_at(1.0)[120, 160], rgb, 16), out.frame_at(1.0)[120, 160]

    return check


def exif_turned(out: Outcome) -> None:
    """Stored 120×60 with orientation 6: shown 60×120 (drawn 120×240), red on top, blue below."""
    assert (out.material["width"], out.material["height"]) == (60, 120), out.material
    frame = out.frame_at(1.0)
    assert drawn_box(frame) == (120, 240), drawn_box(frame)
    assert _close(frame[60, 160], (255, 0, 0), 40) and _close(frame[180, 160], (0, 0, 255), 40)


MEMBERS: dict[str, Member] = {
    "mp3_cover": Member(
        "cover.mp3", media.mp3_with_cover, "add_audios", sound_only, intake=("audio", 0, 0, 2_000_000, ".mp3")
    ),
    "m4a_cover": Member(
        "cover.m4a", media.m4a_with_cover, "add_audios", sound_only, intake=("audio", 0, 0, 2_000_000, ".m4a")
    ),
    "mp3_cover_as_video": Member("cover.mp3", media.mp3_with_cover, "add_videos", refused="UNSUPPORTED_MEDIA"),
    "video_cover": Member(
        "cover.mkv",
        media.video_with_cover,
        "add_videos",
        real_video_not_cover,
        intake=("video", 160, 120, 2_023_000, ".mkv"),
    ),
    "gif_sticker": Member(
        "sticker.gif",
        media.gif_sticker,
        "add_images",
        animated_sticker,
        under=True,
        intake=("video", 96, 96, 1_200_000, ".gif"),
    ),
    "webp_sticker": Member(
        "sticker.webp",
        media.webp_sticker,
        "add_images",
        animated_sticker,
        under=True,
        intake=("video", 96, 96, 1_200_000, ".mov"),
    ),
    "apng_sticker": Member(
        "sticker.png",
        media.apng_sticker,
        "add_images",
        animated_sticker,
        under=True,
        intake=("video", 96, 96, 1_200_000, ".mov"),
    ),
    "webm_alpha_sticker": Member(
        "sticker.webm",
        media.webm_alpha_sticker,
        "add_videos",
        animated_sticker,
        under=True,
        intake=("video", 96, 96, 1_200_000, ".mkv"),
    ),
    "still_webp": Member(
        "still.webp", media.still_webp, "add_images", still_with_alpha, under=True, intake=("photo", 96, 96, 0, ".webp")
    ),
    "sar_4_3": Member(
        "sar.mp4",
        media.sar_clip,
        "add_videos",
        anamorphic,
        canvas=(320, 180),
        intake=("video", 320, 180, 2_000_000, ".mp4"),
    ),
    "phone_rotation": Member(
        "rotated.mp4", media.rotated_clip, "add_videos", intake=("video", 96, 160, 2_000_000, ".mp4")
    ),  # check set by the test (reference)
    "vfr": Member(
        "vfr.mp4", media.vfr_clip, "add_videos", variable_rate, intake=("video", 160, 120, 1_960_000, ".mp4")
    ),
    "ten_bit": Member(
        "10bit.mp4", media.ten_bit_clip, "add_videos", level(128, 6), intake=("video", 160, 120, 2_000_000, ".mp4")
    ),
    "hlg": Member("hlg.mp4", media.hlg_clip, "add_videos", hdr("HLG"), intake=("video", 160, 120, 2_000_000, ".mp4")),
    "pq": Member("pq.mp4", media.pq_clip, "add_videos", hdr("PQ"), intake=("video", 160, 120, 2_000_000, ".mp4")),
    "surround_5_1": Member(
        "surround.m4a", media.surround_audio, "add_audios", audio, intake=("audio", 0, 0, 2_000_000, ".m4a")
    ),
    "mono_8k": Member(
        "mono8k.wav", media.narrowband_audio, "add_audios", audio, intake=("audio", 0, 0, 2_000_000, ".wav")
    ),
    "grey16_png": Member(
        "grey16.png", media.grey16_png, "add_images", level(64, 6), intake=("photo", 120, 90, 0, ".png")
    ),
    "grey16_trns_png": Member(
        "grey16trns.png",
        media.grey16_trns_png,
        "add_images",
        halves((64, 64, 64), GREEN),
        under=True,
        intake=("photo", 120, 90, 0, ".png"),
    ),
    "rgb48_png": Member(
        "rgb48.png",
        media.rgb48_png,
        "add_images",
        halves((64, 0, 0), (0, 128, 0)),
        intake=("photo", 120, 90, 0, ".png"),
    ),
    "cmyk_jpeg": Member(
        "cmyk.jpg", media.cmyk_jpeg, "add_images", uniform((0, 255, 255)), intake=("photo", 120, 90, 0, ".jpg")
    ),
    "exif_jpeg": Member(
        "exif.jpg", media.exif_rotated_jpeg, "add_images", exif_turned, intake=("photo", 60, 120, 0, ".jpg")
    ),
}
