"""Other ways a member's file is read besides a plain render: reversed, previewed far into the clip, and
conformed to a template slot. Each must take the video ffmpeg plays, never the cover picture before it."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.media.conform import conform
from capcut_mate.media.fetch import FetchedMedia
from capcut_mate.media.probe import probe
from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft
from capcut_mate.render.preview import preview_frames, seek_point
from tests.render.draftkit import Draft
from tests.render.helpers import rgb_frames

RED = np.array([255, 0, 0])


def red(picture: np.ndarray) -> bool:
    return bool(np.abs(picture[picture.shape[0] // 2, picture.shape[1] // 2].astype(int) - RED).max() <= 40)


def covered_draft(zoo_dir: Path, **segment: object) -> Draft:
    draft = Draft()
    draft.video(draft.track("video"), zoo_dir / "cover.mkv", 0, 2_000_000, size=(160, 120), **segment)
    draft.doc["duration"] = 2_000_000
    return draft


def test_reversed_clip_reverses_the_video_not_its_cover(zoo_dir: Path, tmp_path: Path) -> None:
    draft = covered_draft(zoo_dir, reverse=True)
    options = RenderOptions(preset="ultrafast", work_dir=tmp_path / "work")
    render_draft(draft.doc, DraftMediaResolver(tmp_path), tmp_path / "out.mp4", options)
    frames = rgb_frames(tmp_path / "out.mp4")
    assert len(frames) == 60 and all(red(frame) for frame in frames[::10])


def test_preview_far_into_the_clip_seeks_the_video(zoo_dir: Path, tmp_path: Path) -> None:
    draft = covered_draft(zoo_dir)
    options = RenderOptions(work_dir=tmp_path)
    (frame,) = preview_frames(draft.doc, DraftMediaResolver(tmp_path), [1_500_000], options)
    assert red(np.asarray(frame.image.convert("RGB")))
    found = seek_point(zoo_dir / "cover.mkv", 0.0, 1.5)  # read from the video's packets, not the cover's one
    assert found is not None and 1.4 <= found[0] <= 1.5, found


def test_conformed_clip_keeps_the_video(zoo_dir: Path, tmp_path: Path) -> None:
    path = zoo_dir / "cover.mkv"
    media = FetchedMedia("http://media.test/cover.mkv", path, ".mkv", probe(path), "0" * 64)
    looped = conform(media, 3_000_000, "loop", tmp_path, audio_only=False)
    assert looped.info.kind == "video" and looped.info.duration_us >= 3_000_000
    with av.open(str(looped.path)) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (160, 120)
        assert red(next(container.decode(video=0)).to_ndarray(format="rgb24"))


@pytest.mark.parametrize("name", ["sticker.webm", "sticker.gif"])
@pytest.mark.parametrize("fit", ["loop", "freeze"])
def test_conformed_sticker_keeps_its_alpha(name: str, fit: str, zoo_dir: Path, tmp_path: Path) -> None:
    """A sticker looped or held for a longer slot stays transparent around its square (ProRes 4444)."""
    path = zoo_dir / name
    media = FetchedMedia(f"http://media.test/{name}", path, path.suffix, probe(path), "0" * 64)
    conformed = conform(media, 3_000_000, fit, tmp_path, audio_only=False)
    assert conformed.info.duration_us >= 3_000_000 and conformed.path.suffix == ".mov"
    with av.open(str(conformed.path)) as container:
        frames = [frame.to_ndarray(format="rgba") for frame in container.decode(video=0)]
    for frame in (frames[0], frames[-1]):
        assert frame[5, 5, 3] < 16 and frame[48, :, 3].max() > 240, (frame[5, 5], frame[48, :, 3].max())


def test_hdr_layer_is_tone_mapped_where_it_is_composited(zoo_dir: Path, tmp_path: Path) -> None:
    """Not only the full-frame cut: an HDR clip at half size over the canvas is tone-mapped too."""
    draft = Draft()
    segment = draft.video(draft.track("video"), zoo_dir / "pq.mp4", 0, 1_000_000, size=(160, 120))
    segment["clip"]["scale"] = {"x": 0.5, "y": 0.5}
    draft.doc["duration"] = 1_000_000
    options = RenderOptions(preset="ultrafast", work_dir=tmp_path / "work")
    report = render_draft(draft.doc, DraftMediaResolver(tmp_path), tmp_path / "out.mp4", options)
    frame = rgb_frames(tmp_path / "out.mp4")[10]
    assert frame[110:130, 150:170].mean() > 225 and frame[10:30, 10:30].max() < 30  # white clip, black canvas
    assert [w["feature"] for w in report.warnings] == ["hdr"]


def test_full_frame_sticker_at_the_bottom_keeps_its_alpha(zoo_dir: Path, tmp_path: Path) -> None:
    """A GIF filling the canvas is no plain cut: its transparent pixels show the black canvas, not white."""
    draft = Draft(96, 96)
    draft.video(draft.track("video"), zoo_dir / "sticker.gif", 0, 1_000_000, size=(96, 96))
    draft.doc["duration"] = 1_000_000
    options = RenderOptions(preset="ultrafast", work_dir=tmp_path / "work")
    render_draft(draft.doc, DraftMediaResolver(tmp_path), tmp_path / "out.mp4", options)
    frame = rgb_frames(tmp_path / "out.mp4")[0]
    assert frame[10:20, 70:90].max() < 30, frame[15, 80]  # transparent: black canvas
    assert np.abs(frame[48, 16].astype(int) - (255, 0, 255)).max() <= 40, frame[48, 16]


GREEN_RGB = np.array([0, 160, 0])
MAGENTA = np.array([255, 0, 255])


def near(pixel: np.ndarray, rgb: np.ndarray) -> bool:
    return bool(np.abs(pixel.astype(int) - rgb).max() <= 40)


def webm_over_green(zoo_dir: Path, **segment: object) -> Draft:
    """The WebM sticker (alpha in libvpx's side channel) filling a 96×96 canvas over a green 4:3 picture (y 12..84)."""
    draft = Draft(96, 96)
    draft.video(draft.track("video"), zoo_dir / "green.png", 0, 1_000_000, photo=True, size=(96, 96))
    draft.video(draft.track("video"), zoo_dir / "sticker.webm", 0, 1_000_000, size=(96, 96), **segment)
    draft.doc["duration"] = 1_000_000
    return draft


def test_reversed_webm_sticker_keeps_its_alpha(zoo_dir: Path, tmp_path: Path) -> None:
    """Reversed from the source (decoded with libvpx-vp9, copied with its alpha): the square moves right to
    left, the picture under shows around it."""
    options = RenderOptions(preset="ultrafast", work_dir=tmp_path / "work")
    report = render_draft(webm_over_green(zoo_dir, reverse=True).doc, DraftMediaResolver(tmp_path),
                          tmp_path / "out.mp4", options)  # fmt: skip
    frames = rgb_frames(tmp_path / "out.mp4")
    first, last = frames[0], frames[-1]  # source frame 4 (square at x 51..82), then source frame 0 (x 0..31)
    assert near(first[48, 66], MAGENTA) and near(last[48, 16], MAGENTA), (first[48, 66], last[48, 16])
    assert near(first[20, 10], GREEN_RGB) and near(first[48, 20], GREEN_RGB), (first[20, 10], first[48, 20])
    assert near(last[48, 66], GREEN_RGB), last[48, 66]
    assert report.warnings == []


def test_preview_of_webm_sticker_keeps_its_alpha(zoo_dir: Path, tmp_path: Path) -> None:
    (frame,) = preview_frames(webm_over_green(zoo_dir).doc, DraftMediaResolver(tmp_path), [500_000],
                              RenderOptions(work_dir=tmp_path))  # fmt: skip
    picture = np.asarray(frame.image.convert("RGB"))
    assert near(picture[20, 10], GREEN_RGB), picture[20, 10]  # transparent: the picture under shows
    assert near(picture[48, 40], MAGENTA), picture[48, 40]  # source frame 2: the square at x 25..56


def test_webm_alpha_without_libvpx_is_a_named_warning(zoo_dir: Path, tmp_path: Path) -> None:
    """An operator's ffmpeg without the libvpx decoders draws the sticker opaque and the report says so."""
    real = ffmpeg_exe()
    wrapper = tmp_path / "ffmpeg-without-libvpx"
    listing = f'[ "$arg" = -decoders ] && {{ "{real}" "$@" | grep -v libvpx; exit 0; }}'
    wrapper.write_text(f'#!/bin/sh\nfor arg in "$@"; do {listing}; done\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    options = RenderOptions(preset="ultrafast", work_dir=tmp_path / "work", ffmpeg=str(wrapper))
    report = render_draft(webm_over_green(zoo_dir).doc, DraftMediaResolver(tmp_path), tmp_path / "out.mp4", options)
    assert [w["feature"] for w in report.warnings] == ["alpha", "hidden"], report.warnings  # opaque: covers
    assert "libvpx-vp9" in report.warnings[0]["message"] and "sticker.webm" in report.warnings[0]["message"]
    assert not near(rgb_frames(tmp_path / "out.mp4")[0][20, 10], GREEN_RGB)  # drawn opaque, as the warning says
