"""Template mode end to end through gen_video: an imported app draft renders, and replaced media show on
screen frame by frame (loop, freeze, speed, a photo for a photo)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from tests import mediagen, servers
from tests.jobs.helpers import V1, poll, post, probe
from tests.render.helpers import luma_frames, rgb_frames

pytestmark = pytest.mark.slow  # renders end to end

SEC = 1_000_000
CALIBRATION = Path(__file__).resolve().parents[3] / "shared" / "calibration" / "capcut_7.9_text_and_photo"


def render(api: httpx.Client, draft_url: str, out: Path, **options: Any) -> dict[str, Any]:
    """gen_video, wait, download to `out`; returns the render report."""
    post(api, "gen_video", {"draft_url": draft_url, **options})
    done = poll(api, draft_url)[-1]
    assert done["status"] == "completed", done
    out.write_bytes(api.get(done["video_url"]).content)
    return api.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()["report"]


@pytest.mark.skipif(not CALIBRATION.is_dir(), reason="shared/calibration not present")
def test_the_calibration_draft_imports_and_renders(api: httpx.Client, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(CALIBRATION.rglob("*")):
            if path.is_file():
                archive.write(path, f"BASE_TEMPLATE/{path.relative_to(CALIBRATION).as_posix()}")
    response = api.post(f"{V1}/import_draft", files={"file": ("t.zip", buffer.getvalue(), "application/zip")})
    assert response.status_code == 200, response.text
    url = response.json()["draft_url"]
    assert len(post(api, "list_segments", {"draft_url": url})["tracks"]) == 4

    report = render(api, url, tmp_path / "out.mp4", resolution="480p", quality="draft")
    info = probe(tmp_path / "out.mp4")
    assert abs(info["duration"] - 6.1) < 0.1 and info["audio"] == 1
    fonts = [w["message"] for w in report["warnings"] if "font" in w["message"] and "not found" in w["message"]]
    assert fonts == [], "the draft's fonts travel with the import"
    frame = rgb_frames(tmp_path / "out.mp4")[30]
    height, width, _ = frame.shape
    background = np.asarray(Image.open(CALIBRATION / "data" / "BG.png").convert("RGB").resize((width, height)))
    region = (slice(height // 10, height // 4), slice(width // 20, width // 5))  # top left: no text there
    assert np.abs(frame[region].mean(axis=(0, 1)) - background[region].mean(axis=(0, 1))).max() < 12


def test_replaced_media_show_frame_by_frame(
    api: httpx.Client, media_url: str, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """Three 2 s slots of a counter clip get a 1 s counter clip each (loop, freeze, speed), a photo slot gets
    a blue photo; the render shows, in every slot, the source frame the rule says."""
    folder = tmp_path_factory.mktemp("new-media")
    mediagen.counter_video(folder / "short.mp4", frames=30)  # frame n has luma 16 + 4n
    mediagen.image(folder / "blue.png", (0, 0, 255))
    url = post(api, "create_draft", {"width": 320, "height": 240})["draft_url"]
    slots = [
        {"video_url": f"{media_url}/counter.mp4", "start": k * 2 * SEC, "end": (k + 1) * 2 * SEC} for k in range(3)
    ]
    post(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(slots)})
    post(api, "add_images", {"draft_url": url, "image_infos": json.dumps(
        [{"image_url": f"{media_url}/red.png", "start": 6 * SEC, "end": 7 * SEC}])})  # fmt: skip
    segments = post(api, "list_segments", {"draft_url": url})["tracks"][0]["segments"]
    with servers.media_server(folder) as base:
        for segment, fit in zip(segments, ["loop", "freeze", "speed"], strict=True):
            post(api, "replace_material", {"draft_url": url, "material_id": segment["material_id"],
                                           "url": f"{base}/short.mp4", "fit": fit})  # fmt: skip
        post(api, "replace_material", {"draft_url": url, "material_name": "red.png", "url": f"{base}/blue.png"})

    render(api, url, tmp_path / "out.mp4", quality="high")
    lumas = [float(frame.mean()) for frame in luma_frames(tmp_path / "out.mp4")]
    assert len(lumas) == 210
    for n in range(180):
        slot, k = divmod(n, 60)
        source = [k % 30, min(k, 29), k // 2][slot]  # loop, freeze (the last frame held), half speed
        tolerance = 2.5 if slot < 2 else 4.5  # at half speed a frame boundary may round either way
        assert abs(lumas[n] - (16 + 4 * source)) < tolerance, (n, lumas[n], source)
    blue = rgb_frames(tmp_path / "out.mp4")[195][120, 160]
    assert blue[2] > 200 and blue[0] < 40 and blue[1] < 40, blue
