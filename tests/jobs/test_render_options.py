"""gen_video's output choices: resolution, fps, quality and format travel with the task and reach the file."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import av
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capcut_mate.config import Settings
from capcut_mate.render.formats import SHORT_SIDE, short_side_size
from tests import mediagen, servers
from tests.jobs.helpers import V1, build_draft, poll, post


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    """Renders on threads of this process (jobs/runner.InProcessRunner): these tests are about the choices
    reaching the file, not the process boundary, and skip a Python start-up per render."""
    with (
        servers.api_server_rendering_in_process(settings) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as client,
    ):
        yield client


def render_with(api: httpx.Client, media_url: str, **choices: object) -> tuple[dict, bytes]:
    url = build_draft(api, media_url)
    post(api, "gen_video", {"draft_url": url, **choices})
    final = poll(api, url)[-1]
    assert final["status"] == "completed", final
    report = api.get(f"{V1}/gen_video_report", params={"draft_url": url}).json()["report"]
    return report, httpx.get(final["video_url"], timeout=60).content


def streams(data: bytes) -> tuple[str, int, int, float, str | None, int]:
    """(video codec, width, height, fps, audio codec or None, frames)."""
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
        frames = sum(1 for _ in container.decode(video=0))
        return video.codec_context.name, video.width, video.height, float(video.average_rate or 0), audio, frames


def test_defaults_stay_as_today(api: httpx.Client, media_url: str) -> None:
    report, data = render_with(api, media_url)
    assert streams(data)[:5] == ("h264", 320, 240, 30.0, "aac")
    assert report["encoding"] == {"format": "mp4", "quality": "standard", "video": "h264 veryfast crf 23",
                                  "audio": "aac 192k"}  # fmt: skip
    assert report["requested"] == {}


def test_resolution_fps_quality_webm(api: httpx.Client, media_url: str) -> None:
    report, data = render_with(api, media_url, resolution="480p", fps=25, quality="draft", format="webm")
    codec, width, height, fps, audio, frames = streams(data)
    assert (codec, width, height, fps, audio) == ("vp9", 640, 480, 25.0, "opus")
    assert frames == 75  # 3 s at 25 fps
    assert report["requested"] == {"resolution": "480p", "fps": 25, "quality": "draft", "format": "webm"}
    assert report["encoding"]["video"] == "vp9 realtime cpu-used 8 crf 40"
    assert (report["width"], report["height"], report["fps"]) == (640, 480, 25.0)


def test_gif_has_no_sound_and_width_keeps_aspect(api: httpx.Client, media_url: str) -> None:
    report, data = render_with(api, media_url, format="gif", width=160, fps=24)
    assert data[:6] == b"GIF89a"
    codec, width, height, _, audio, frames = streams(data)
    assert (codec, width, height, audio) == ("gif", 160, 120, None)
    assert frames == 72
    assert report["encoding"]["audio"] == "none"


def test_high_quality_mp4(api: httpx.Client, media_url: str) -> None:
    report, data = render_with(api, media_url, quality="high", height=360)
    assert streams(data)[:3] == ("h264", 480, 360)
    assert report["encoding"]["video"] == "h264 medium crf 18"


def test_loudness_as_a_string_and_duck_reach_the_webm(api: httpx.Client, media_url: str) -> None:
    """The sound options in a single-pass WebM: its video drawn alone, the normalised mix muxed beside it."""
    report, data = render_with(api, media_url, loudness="-16", duck=True, format="webm")
    assert streams(data)[4] == "opus"
    assert report["requested"] == {"loudness": -16.0, "duck": True, "format": "webm"}
    assert report["audio"]["loudness_target_lufs"] == -16.0
    assert abs(report["audio"]["loudness_lufs"] + 16.0) <= 1.0


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"resolution": "8k"}, "resolution: Input should be '480p', '720p', '1080p', '2k' or '4k'"),
        ({"fps": 29}, "fps: Input should be 24, 25, 30, 50 or 60"),
        ({"quality": "best"}, "quality: Input should be 'draft', 'standard' or 'high'"),
        ({"format": "avi"}, "format: Input should be 'mp4', 'webm' or 'gif'"),
        ({"resolution": "720p", "width": 100}, "give resolution or width/height, not both"),
        ({"width": 8}, "width: Input should be greater than or equal to 16"),
        ({"loudness": -3}, "loudness: Input should be less than or equal to -5"),
        ({"loudness": "-80"}, "loudness: Input should be greater than or equal to -70"),
        ({"loudness": "loud"}, "loudness: Value error, must be a number"),
        ({"duck": "maybe"}, "duck: Input should be a valid boolean"),
    ],
)
def test_invalid_choices_are_400_with_the_allowed_values(api: httpx.Client, body: dict, needle: str) -> None:
    url = post(api, "create_draft", {"width": 320, "height": 240})["draft_url"]
    response = api.post(f"{V1}/gen_video", json={"draft_url": url, **body})
    assert response.status_code == 400, response.text
    assert needle in response.json()["error"]["details"]
    assert api.post(f"{V1}/gen_video_status", json={"draft_url": url}).status_code == 404  # nothing submitted


@settings(max_examples=50)
@given(
    canvas=st.tuples(st.integers(16, 8192), st.integers(16, 8192)),
    resolution=st.sampled_from(list(SHORT_SIDE)),
)
def test_short_side_sizes_keep_the_aspect(canvas: tuple[int, int], resolution: str) -> None:
    width, height = short_side_size(canvas, SHORT_SIDE[resolution])  # type: ignore[index]
    assert min(width, height) == SHORT_SIDE[resolution]  # type: ignore[index]
    assert width % 2 == 0 and height % 2 == 0
    assert abs(width * canvas[1] - height * canvas[0]) <= min(canvas)  # the long side is off by at most 1 px


def test_quality_names_tell_the_truth_about_size(api: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> None:
    """One small detailed render at each quality: draft is the smallest file, high the largest (the speed side
    is measured by `python -m benchmarks.quality`, never timed in a test)."""
    folder = tmp_path_factory.mktemp("detailed")
    source = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=2"]
    mediagen.run_ffmpeg(*source, "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", str(folder / "detail.mp4"))
    sizes = {}
    with servers.media_server(folder) as base:
        for quality in ("draft", "standard", "high"):
            url = post(api, "create_draft", {"width": 320, "height": 240})["draft_url"]
            post(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(
                [{"video_url": f"{base}/detail.mp4", "start": 0, "end": 2_000_000}])})  # fmt: skip
            post(api, "gen_video", {"draft_url": url, "quality": quality})
            final = poll(api, url)[-1]
            assert final["status"] == "completed", final
            sizes[quality] = len(httpx.get(final["video_url"], timeout=60).content)
    assert sizes["draft"] < sizes["standard"] < sizes["high"], sizes
