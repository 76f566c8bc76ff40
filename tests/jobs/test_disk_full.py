"""A full disk: the render fails with the disk-full message, leaves no partial output, the service stays up,
and once space is freed the next render completes. The data directory is a small tmpfs this test mounts
(root only, as in CI)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from capcut_mate.config import Settings
from tests import mediagen, servers, volumes
from tests.jobs.helpers import poll, post

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root"),
]


@pytest.fixture
def volume(tmp_path: Path) -> Iterator[Path]:
    with volumes.tmpfs(tmp_path / "volume", size_mb=48) as mount_point:
        yield mount_point


def test_a_full_disk_fails_the_render_cleanly_and_the_service_recovers(
    volume: Path, tmp_path: Path, settings: Settings
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    mediagen.run_ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "nullsrc=s=320x240:r=30:d=3,geq=lum='random(1)*255':cb=128:cr=128",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        str(served / "noise.mp4"),
    )  # fmt: skip  (noise does not compress: the render's output is megabytes)
    settings = settings.model_copy(update={"data_dir": volume / "data", "render_workers": 1})
    with (
        servers.media_server(served) as media_url,
        servers.api_server(settings) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as client,
    ):
        draft_url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
        video = [{"video_url": f"{media_url}/noise.mp4", "start": 0, "end": 3_000_000}]
        post(client, "add_videos", {"draft_url": draft_url, "video_infos": json.dumps(video)})
        filler = volume / "filler"
        volumes.fill(filler, leave=512 * 1024)  # plus the database's 1 MB reserve: room for records, not for the video
        post(client, "gen_video", {"draft_url": draft_url})
        failed = poll(client, draft_url)[-1]
        assert failed["status"] == "failed", failed
        assert "磁盘空间不足" in failed["error_message"], failed
        assert not [p for p in settings.outputs_dir.rglob("*") if p.is_file()], "no partial output"
        assert client.get("/healthz").json()["status"] == "ok"

        filler.unlink()
        post(client, "gen_video", {"draft_url": draft_url})
        done = poll(client, draft_url)[-1]
        assert done["status"] == "completed", done
        assert client.get(done["video_url"]).status_code == 200
        assert len([p for p in settings.outputs_dir.rglob("*") if p.is_file()]) == 1
        deadline = time.monotonic() + 30  # the scratch folder goes just after the outcome is recorded
        while any((settings.tmp_dir / "render").iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any((settings.tmp_dir / "render").iterdir()), "scratch of both renders removed"
