"""Every zoo member through its add_* over HTTP and a real render (gen_video), with a measured check.

See members.py for the registry and what each member checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest

from tests.jobs.helpers import V1, poll, post
from tests.render.helpers import rgb_frames
from tests.zoo.members import MEMBERS, SLOT_US, Member, Outcome, phone_rotation

pytestmark = pytest.mark.slow  # renders end to end: `pytest -m 'not slow'` is the fast set

URL_FIELD = {"add_videos": ("video_infos", "video_url"), "add_images": ("image_infos", "image_url"),
             "add_audios": ("audio_infos", "audio_url")}  # fmt: skip


def add(api: httpx.Client, endpoint: str, draft_url: str, url: str) -> httpx.Response:
    field, key = URL_FIELD[endpoint]
    body = {"draft_url": draft_url, field: json.dumps([{key: url, "start": 0, "end": SLOT_US}])}
    return api.post(f"{V1}/{endpoint}", json=body)


def material(api: httpx.Client, draft_url: str, material_id: str) -> dict[str, Any]:
    """The material as written in the draft, read back over HTTP (get_draft lists the folder's files)."""
    draft_id = draft_url.split("draft_id=")[1]
    files = api.get(f"{V1}/get_draft", params={"draft_id": draft_id}).json()["files"]
    content = next(url for url in files if url.endswith("/draft_content.json"))
    doc = api.get(content).json()
    found = [m for bucket in ("videos", "audios") for m in doc["materials"][bucket] if m["id"] == material_id]
    assert len(found) == 1, material_id
    return found[0]


def render(api: httpx.Client, draft_url: str, out: Path) -> tuple[Path, dict[str, Any]]:
    post(api, "gen_video", {"draft_url": draft_url})
    final = poll(api, draft_url)[-1]
    assert final["status"] == "completed", final
    out.write_bytes(api.get(final["video_url"]).content)
    report = api.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()["report"]
    return out, report


def outcome(answer: dict[str, Any], found: dict[str, Any], path: Path, report: dict[str, Any]) -> Outcome:
    with av.open(str(path)) as container:
        fps = float(container.streams.video[0].average_rate)
        duration = container.duration / 1e6
    with av.open(str(path)) as container:
        sound = [frame.to_ndarray().ravel() for frame in container.decode(audio=0)]
    rms = float(np.sqrt(np.mean(np.concatenate(sound) ** 2))) if sound else 0.0
    return Outcome(answer, found, rgb_frames(path), fps, rms, duration, report)


def autorotated(path: Path) -> np.ndarray:
    """ffmpeg's own picture of a rotated clip (PyAV does not autorotate): the reference for the drawing."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        picture = frame.to_ndarray(format="rgb24")
        turns = round(frame.rotation or 0) // 90
    return np.rot90(picture, turns)


@pytest.mark.parametrize("name", list(MEMBERS))
def test_member(name: str, zoo_api: httpx.Client, zoo_url: str, zoo_dir: Path, tmp_path: Path) -> None:
    member: Member = MEMBERS[name]
    check = member.check
    if name == "phone_rotation":
        check = phone_rotation(autorotated(zoo_dir / member.filename))
    width, height = member.canvas
    draft_url = post(zoo_api, "create_draft", {"width": width, "height": height})["draft_url"]
    if member.under:
        post(zoo_api, "add_images", {"draft_url": draft_url, "image_infos": json.dumps(
            [{"image_url": f"{zoo_url}/green.png", "start": 0, "end": SLOT_US}])})  # fmt: skip
    response = add(zoo_api, member.endpoint, draft_url, f"{zoo_url}/{member.filename}")
    if member.refused:
        assert 400 <= response.status_code < 500, response.text
        error = response.json()["error"]
        assert error["code"] == member.refused and member.filename in error["details"], error
        return
    assert response.status_code == 200, response.text
    answer = response.json()
    if member.endpoint == "add_audios":  # workflows ask for the length first
        asked = post(zoo_api, "get_audio_duration", {"mp3_url": f"{zoo_url}/{member.filename}"})
        assert asked["duration"] == SLOT_US, asked
    found = material(zoo_api, draft_url, answer.get("video_ids", answer.get("audio_ids", answer.get("image_ids")))[0])
    path, report = render(zoo_api, draft_url, tmp_path / "out.mp4")
    assert check is not None
    check(outcome(answer, found, path, report))
