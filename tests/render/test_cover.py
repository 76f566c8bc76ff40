"""gen_video's poster frame (render/cover.py): the JPEG shows the video's frame at the asked time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render.cover import cover_time_us, poster_frame
from capcut_mate.render.errors import RenderError
from tests.render.helpers import rgb_frames

FPS = 30
SEC = 1_000_000


def shown(jpeg: Path, frames: list[np.ndarray]) -> int:
    """Which of the video's frames the JPEG is (the nearest in mean colour: the counter clip's frames differ)."""
    with Image.open(jpeg) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    return int(np.argmin([np.abs(frame.mean() - pixels.mean()) for frame in frames]))


@pytest.mark.parametrize("time_us", [None, 0, 33_333, 1_000_000, 1_016_666, 1_500_001, 60 * SEC])
def test_the_cover_is_the_frame_on_screen_at_the_time(media_dir: Path, tmp_path: Path, time_us: int | None) -> None:
    """counter.mp4 at 30 fps, frame n a grey of its own (up to 54: brighter ones clip to white), taken as a
    1.5 s video: a time past its end is its last frame, 44."""
    video = media_dir / "counter.mp4"
    frames = rgb_frames(video)
    at = cover_time_us(time_us, 1_500_000, FPS)
    poster_frame(ffmpeg_exe(), video, at, tmp_path / "cover.jpg")
    expected = min(44, (time_us or 0) * FPS // SEC)
    assert shown(tmp_path / "cover.jpg", frames) == expected
    assert not list(tmp_path.glob(".*"))  # no partial file left


def test_a_video_without_frames_is_a_render_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    with pytest.raises(RenderError) as caught:
        poster_frame(ffmpeg_exe(), broken, 0, tmp_path / "cover.jpg")
    assert caught.value.code == "FFMPEG_FAILED" and not (tmp_path / "cover.jpg").exists()
