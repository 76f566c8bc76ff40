"""The zoo at the door, without rendering: what the fetcher makes of each member over loopback HTTP, what
the render probe sees, the sticker conversion itself, and the HDR fallback of an ffmpeg without zscale."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from capcut_mate.errors import ApiError
from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.media.fetch import FetchPolicy, MediaFetcher
from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft
from capcut_mate.render.prepare.inputs import _eight_bit
from capcut_mate.render.prepare.probe import probe as render_probe
from tests import servers
from tests.render.draftkit import Draft
from tests.zoo import media
from tests.zoo.members import MEMBERS

POLICY = FetchPolicy(max_bytes=64 << 20, timeout_s=30, retries=0, allow_private=True)


@pytest.fixture
def fetcher(tmp_path: Path) -> Iterator[MediaFetcher]:
    yield MediaFetcher(tmp_path / "cache", POLICY)


@pytest.mark.parametrize("name", [name for name, member in MEMBERS.items() if member.intake])
def test_fetcher_reads_member(name: str, fetcher: MediaFetcher, zoo_url: str) -> None:
    member = MEMBERS[name]
    fetched = fetcher.fetch(f"{zoo_url}/{member.filename}")
    info = fetched.info
    assert (info.kind, info.width, info.height, info.duration_us, info.suffix) == member.intake
    assert fetched.path.suffix == info.suffix


@pytest.mark.parametrize(
    ("filename", "stream", "alpha", "hdr"),
    [
        ("cover.mkv", 1, False, ""),  # the cover picture is v:0; the video ffmpeg plays is v:1
        ("sticker.gif", 0, True, ""),
        ("hlg.mp4", 0, False, "HLG"),
        ("pq.mp4", 0, False, "PQ"),
        ("10bit.mp4", 0, False, ""),
    ],
)
def test_render_probe_names_stream_alpha_and_hdr(zoo_dir: Path, filename: str, stream: int, alpha: bool, hdr: str):
    info = render_probe(zoo_dir / filename)
    assert (info.video_stream, info.has_alpha, info.hdr) == (stream, alpha, hdr)


def test_render_probe_sees_no_video_in_music_with_cover(zoo_dir: Path) -> None:
    info = render_probe(zoo_dir / "cover.mp3")
    assert (info.width, info.height, info.has_audio) == (0, 0, True)


def test_sticker_becomes_an_alpha_clip_with_its_timing(fetcher: MediaFetcher, zoo_url: str) -> None:
    """Each 200 ms frame lasts 200 ms; transparent stays transparent, the square stays opaque magenta."""
    fetched = fetcher.fetch(f"{zoo_url}/sticker.webp")
    with av.open(str(fetched.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "prores"
        frames = list(container.decode(stream))
    assert [round(frame.time * 1000) for frame in frames] == [0, 200, 400, 600, 800, 1000]
    first = frames[0].to_ndarray(format="rgba")
    assert first[5, 5, 3] == 0 and first[48, 10, 3] == 255
    assert np.abs(first[48, 10, :3].astype(int) - (255, 0, 255)).max() <= 4
    with open(fetched.path, "rb") as handle:  # drafts name their copy by the digest of what they get
        assert fetched.sha256 == hashlib.file_digest(handle, "sha256").hexdigest()


def test_one_frame_gif_stays_a_photo(tmp_path: Path, fetcher: MediaFetcher) -> None:
    media.sticker_frames()[0].save(tmp_path / "one.gif", transparency=0)
    with servers.media_server(tmp_path) as url:
        assert fetcher.fetch(f"{url}/one.gif").info.kind == "photo"


def test_damaged_animation_is_a_clear_4xx(tmp_path: Path, fetcher: MediaFetcher, zoo_dir: Path) -> None:
    """A truncated APNG is a 4xx naming the file and what is wrong with it, and leaves nothing behind."""
    whole = (zoo_dir / "sticker.png").read_bytes()
    served = tmp_path / "served"
    served.mkdir()
    (served / "cut.png").write_bytes(whole[: len(whole) * 7 // 10])
    with servers.media_server(served) as url, pytest.raises(ApiError) as caught:
        fetcher.fetch(f"{url}/cut.png")
    assert caught.value.code == "UNSUPPORTED_MEDIA" and 400 <= caught.value.http_status < 500
    assert "cut.png" in caught.value.details and "damaged animated image" in caught.value.details
    assert list((tmp_path / "cache").iterdir()) == []  # nothing half-written


def test_hdr_without_tone_mapping_filters_is_named(tmp_path: Path, zoo_dir: Path) -> None:
    """An operator's ffmpeg without zscale: drawn untouched, and the report says so (never silently)."""
    wrapper = tmp_path / "ffmpeg-without-zscale"
    real = ffmpeg_exe()
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ "$2" = "-filters" ]; then "{real}" -hide_banner -filters | grep -v zscale; exit 0; fi\n'
        f'exec "{real}" "$@"\n'
    )
    os.chmod(wrapper, 0o755)
    draft = Draft()
    draft.video(draft.track("video"), zoo_dir / "hlg.mp4", 0, 1_000_000, size=(160, 120))
    draft.doc["duration"] = 1_000_000
    out = tmp_path / "out.mp4"
    options = RenderOptions(preset="ultrafast", ffmpeg=str(wrapper), work_dir=tmp_path / "work")
    report = render_draft(draft.doc, DraftMediaResolver(tmp_path), out, options)
    (warning,) = [w for w in report.warnings if w["feature"] == "hdr"]
    assert "without tone mapping" in warning["message"] and "zscale" in warning["message"]
    with av.open(str(out)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert 170 < frame[100:140, 140:180].mean() < 210  # HLG's 75 % signal, as stored


def test_sixteen_bit_grey_keeps_its_level(tmp_path: Path) -> None:
    """Pillow clips 16-bit grey to white on convert; prepared stills scale it to 8 bits instead."""
    path = media.grey16_png(tmp_path / "grey.png")
    with Image.open(path) as opened:
        assert opened.mode == "I;16"
        assert np.asarray(_eight_bit(opened)).mean() == pytest.approx(media.GREY_16 / 257, abs=1)


def test_animation_over_the_pixel_budget_is_refused(tmp_path: Path, zoo_dir: Path) -> None:
    """All frames together are capped (a small file must not make the server decode for minutes)."""
    fetcher = MediaFetcher(tmp_path / "cache", FetchPolicy(64 << 20, 30, 0, True, max_pixels=96 * 96 * 6 // 8 - 1))
    with servers.media_server(zoo_dir) as url, pytest.raises(ApiError) as caught:
        fetcher.fetch(f"{url}/sticker.webp")
    assert caught.value.code == "UNSUPPORTED_MEDIA" and "6 frames of 96x96" in caught.value.details
