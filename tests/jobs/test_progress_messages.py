"""The seed's progress stages and the failure messages (pure functions)."""

from __future__ import annotations

from capcut_mate.jobs.messages import failure_messages
from capcut_mate.jobs.progress import milestone_between, stage_progress


def test_renderer_events_map_onto_the_seed_stages() -> None:
    events = [("parsed", 1.0), ("ready", 1.0), ("plan", 1.0), ("prepare", 1.0)]
    events += [("encode", f / 10) for f in range(11)] + [("done", 1.0)]
    values = [stage_progress(stage, fraction) for stage, fraction in events]
    assert values[:4] == [20, 30, 20, 50]
    encode = values[4:-1]
    assert encode[0] == 70 and encode == sorted(encode) and max(encode) == 89  # 90 = the file is in outputs
    assert milestone_between(10, 30) == "environment ready" and milestone_between(71, 75) == ""


def test_failure_messages_say_what_failed_and_what_to_do() -> None:
    zh, en = failure_messages("DISK_FULL", "no space left on the device writing /data/tmp/x.mp4")
    assert "磁盘空间不足" in zh and "/data/tmp/x.mp4" in zh and "清理" in zh
    assert en == "video generation failed (DISK_FULL): no space left on the device writing /data/tmp/x.mp4"
    zh, _ = failure_messages("MEDIA_MISSING", "media file missing from the draft folder: /d/a.mp4")
    assert "素材文件缺失" in zh and "/d/a.mp4" in zh and "add_videos" in zh
    zh, _ = failure_messages("SOMETHING_NEW", "boom")
    assert "内部错误" in zh and "boom" in zh
