"""Every add_* answer describes the segments as written, so a workflow's next call can chain on it: a clip
shorter than its slot makes a shorter segment, and the answer says so (add_keyframes at 100 % then works)."""

from __future__ import annotations

import json

import httpx

from capcut_mate.config import Settings
from tests.api.helpers import content_of, create_draft, post_ok


def _written(settings: Settings, url: str) -> dict[str, dict[str, int]]:
    doc = content_of(settings.data_dir, url)
    return {
        s["id"]: {"id": s["id"], "start": s["target_timerange"]["start"],
                  "end": s["target_timerange"]["start"] + s["target_timerange"]["duration"]}
        for t in doc["tracks"] for s in t["segments"]
    }  # fmt: skip


def test_a_short_clip_in_a_long_slot_then_keyframes_at_100_percent(
    api: httpx.Client, media_url: str, settings: Settings
) -> None:
    """red.mp4 is 2 s; the slot is 0-3 s: the segment is 0-2 s and the answer says 2 s."""
    url = create_draft(api)
    infos = [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 3_000_000}]
    added = post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(infos)})
    (info,) = added["segment_infos"]
    assert info == {"id": added["segment_ids"][0], "start": 0, "end": 2_000_000}
    frames = post_ok(api, "keyframes_infos", {"ctype": "KFTypeAlpha", "offsets": "0|100", "values": "1|0",
                                              "segment_infos": added["segment_infos"]})  # fmt: skip
    keyed = post_ok(api, "add_keyframes", {"draft_url": url, "keyframes": frames["keyframes_infos"]})
    assert keyed["keyframes_added"] == 2


def test_every_add_answer_matches_the_draft(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    answers = [
        post_ok(api, "add_videos", {"draft_url": url, "video_infos": json.dumps(
            [{"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000},
             {"video_url": f"{media_url}/blue.mp4", "start": 1_000_000, "end": 9_000_000}])}),
        post_ok(api, "add_videos", {"draft_url": url, "scene_timelines": [{"start": 0, "end": 2_000_000}],
                                    "video_infos": json.dumps([{"video_url": f"{media_url}/red.mp4", "start": 0,
                                                                "end": 1_000_000}])}),
        post_ok(api, "add_audios", {"draft_url": url, "audio_infos": json.dumps(
            [{"audio_url": f"{media_url}/tone.mp3", "start": 500_000, "end": 60_000_000}])}),
        post_ok(api, "add_images", {"draft_url": url, "image_infos": json.dumps(
            [{"image_url": f"{media_url}/red.png", "start": 0, "end": 4_000_000}])}),
        post_ok(api, "add_captions", {"draft_url": url, "captions": json.dumps(
            [{"text": "a", "start": 0, "end": 1_500_000}])}),
        post_ok(api, "add_effects", {"draft_url": url, "effect_infos": json.dumps(
            [{"effect_title": "录制边框 III", "start": 0, "end": 2_000_000}])}),
        post_ok(api, "add_filters", {"draft_url": url, "filter_infos": json.dumps(
            [{"filter_title": "清透感", "start": 100, "end": 2_000_000}])}),
    ]  # fmt: skip
    written = _written(settings, url)
    for answer in answers:
        assert answer["segment_infos"] == [written[i] for i in answer["segment_ids"]], answer
    assert answers[0]["segment_infos"][1]["end"] == 3_000_000  # blue.mp4 is 2 s: 1-3 s, not 1-9 s
    assert answers[2]["segment_infos"][0]["end"] == 3_500_000  # tone.mp3 is 3 s
    sticker = post_ok(api, "add_sticker", {"draft_url": url, "sticker_id": "7107529669750066445", "start": 10,
                                           "end": 2_000_010})  # fmt: skip
    assert written | {sticker["segment_id"]: {"id": sticker["segment_id"], "start": 10, "end": 2_000_010}} == (
        _written(settings, url)
    )
    assert sticker["duration"] == 2_000_000
