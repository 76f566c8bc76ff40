"""The render benchmark's pieces work: its drafts parse in pyJianYingDraft, render, and the command runs.

Nothing here is timed; `python -m benchmarks.render_bench` does the measuring.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import av
import pytest
from benchmarks import drafts, scenarios
from benchmarks.media import (
    PHOTO_SIZES,
    SEC,
    BrollMedia,
    FacelessMedia,
    Photo,
    SlideshowMedia,
    Sound,
    TalkingHeadMedia,
    Video,
)
from pyJianYingDraft import DraftFolder

from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft

REPO = Path(__file__).resolve().parent.parent
SMOKE_S = 2.0


def _fake_media(folder: Path) -> tuple[SlideshowMedia, TalkingHeadMedia]:
    """Media descriptions only: parsing a draft does not open its files."""
    music = Sound(folder / "music.mp3", 61 * SEC)
    photos = tuple(Photo(folder / f"p{i}.jpg", w, h) for i, (w, h) in enumerate(PHOTO_SIZES))
    camera = Video(folder / "camera.mp4", 1920, 1080, 90 * SEC)
    screen = Video(folder / "screen.mp4", 1280, 720, 30 * SEC)
    return SlideshowMedia(photos, music), TalkingHeadMedia(camera, screen, music)


def _load(root: Path, name: str, draft: dict[str, Any]):
    drafts.write_draft(draft, root / name)
    return DraftFolder(str(root)).load_template(name)


def _segments(script, kind: str) -> list[list[dict[str, Any]]]:
    return [[s.raw_data for s in t.segments] for t in script.imported_tracks if t.track_type.name == kind]


def _material_ids(content: dict[str, Any]) -> set[str]:
    return {m["id"] for bucket in content["materials"].values() for m in bucket}


def test_slideshow_draft_parses_in_pyjianyingdraft(tmp_path: Path) -> None:
    slideshow_media, _ = _fake_media(tmp_path)
    script = _load(tmp_path, "a", drafts.slideshow_draft(drafts.slideshow_plan(60), slideshow_media))

    assert (script.width, script.height, script.fps, script.duration) == (1080, 1920, 30, 60 * SEC)
    [photos] = _segments(script, "video")
    [captions] = _segments(script, "text")
    [music] = _segments(script, "audio")
    assert (len(photos), len(captions), len(music)) == (12, 12, 1)
    ids = _material_ids(script.content)
    for seg in photos + captions + music:
        assert seg["material_id"] in ids and set(seg["extra_material_refs"]) <= ids
    for seg in photos:
        kinds = {kf["property_type"] for kf in seg["common_keyframes"]}
        assert kinds == {"KFTypeScaleX", "KFTypePositionX", "KFTypePositionY"}
    for text in script.content["materials"]["texts"]:
        content = json.loads(text["content"])
        assert content["text"].count("\n") == 1
        assert content["styles"][0]["strokes"]
    [fade] = script.content["materials"]["audio_fades"]
    assert fade["fade_in_duration"] > 0 and fade["fade_out_duration"] > 0
    assert [m["type"] for m in script.content["materials"]["videos"]] == ["photo"] * 12


def test_talking_head_draft_parses_in_pyjianyingdraft(tmp_path: Path) -> None:
    _, head_media = _fake_media(tmp_path)
    plan = drafts.talking_head_plan(60)
    script = _load(tmp_path, "b", drafts.talking_head_draft(plan, head_media))

    assert (script.width, script.height, script.duration) == (1920, 1080, 60 * SEC)
    main, pip = _segments(script, "video")
    [subtitles] = _segments(script, "text")
    [music] = _segments(script, "audio")
    assert (len(main), len(pip), len(subtitles), len(music)) == (6, 1, 30, 1)
    assert len({seg["material_id"] for seg in main}) == 1
    assert [seg["speed"] for seg in main].count(1.5) == 2
    for seg in main:
        target, source = seg["target_timerange"], seg["source_timerange"]
        assert source["duration"] == round(target["duration"] * seg["speed"])
    assert plan.source_needed_us <= head_media.source.duration_us
    assert pip[0]["clip"]["scale"]["x"] < 1 and pip[0]["render_index"] > main[0]["render_index"]


def test_faceless_short_draft_parses_in_pyjianyingdraft(tmp_path: Path) -> None:
    slideshow_media, _ = _fake_media(tmp_path)
    faceless = FacelessMedia(slideshow_media.photos, Sound(tmp_path / "voice.mp3", 241 * SEC), slideshow_media.music)
    script = _load(tmp_path, "c", drafts.faceless_draft(drafts.faceless_plan(240), faceless))

    assert (script.width, script.height, script.duration) == (1080, 1920, 240 * SEC)
    photos, pip, badges = _segments(script, "video")
    [subtitles] = _segments(script, "text")
    voice, music = _segments(script, "audio")
    assert (len(photos), len(pip), len(badges), len(subtitles), len(voice), len(music)) == (160, 80, 80, 115, 115, 1)
    assert {kf["property_type"] for kf in photos[0]["common_keyframes"]} == {
        "KFTypeScaleX", "KFTypePositionX", "KFTypePositionY"
    }  # fmt: skip
    assert not pip[0]["common_keyframes"]
    assert [kf["property_type"] for kf in badges[0]["common_keyframes"]] == ["KFTypeRotation"]
    ids = _material_ids(script.content)
    assert all(seg["material_id"] in ids for seg in photos + pip + badges + subtitles + voice)


@pytest.fixture(scope="module")
def bench_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both scenarios' media and drafts at SMOKE_S seconds (full-size photos and camera clip)."""
    work = tmp_path_factory.mktemp("bench")
    for key in ("a", "b", "c"):  # the B-roll's ten 1080p clips would double the media to make
        scenarios.write_draft(key, work, SMOKE_S)
    return work


def test_slideshow_draft_renders_small(bench_work: Path, tmp_path: Path) -> None:
    folder = scenarios.draft_dir(bench_work, "a", SMOKE_S)
    draft = json.loads((folder / "draft_content.json").read_text(encoding="utf-8"))
    output = tmp_path / "a.mp4"
    report = render_draft(draft, DraftMediaResolver(folder), output, RenderOptions(width=270, height=480))

    assert (report.width, report.height) == (270, 480)
    assert report.duration_us == pytest.approx(SMOKE_S * SEC, abs=0.1 * SEC)
    with av.open(str(output)) as container:
        video = container.streams.video[0]
        assert (video.width, video.height) == (270, 480)
        assert container.streams.audio
        assert container.duration / av.time_base == pytest.approx(SMOKE_S, abs=0.15)


def test_moviepy_compositions_follow_the_plans(bench_work: Path) -> None:
    from benchmarks import moviepy_comp

    for key, build in (("a", moviepy_comp.slideshow), ("b", moviepy_comp.talking_head)):
        plan, found = scenarios.prepare(key, bench_work, SMOKE_S)
        clip = build(plan, found)
        assert clip.duration == pytest.approx(SMOKE_S)
        assert clip.get_frame(SMOKE_S / 2).shape == (plan.height, plan.width, 3)
        assert clip.audio is not None


def test_benchmark_command_prints_the_table(bench_work: Path, tmp_path: Path) -> None:
    results_path = tmp_path / "results.json"
    cmd = [sys.executable, "-m", "benchmarks.render_bench", "--duration", str(SMOKE_S), "--only", "a",
           "--skip-moviepy", "--keep", str(bench_work), "--json", str(results_path)]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)

    assert "ours/bare" in proc.stdout
    assert "PASS" in proc.stdout or "MISS" in proc.stdout
    [result] = json.loads(results_path.read_text(encoding="utf-8"))
    ours = result["ours"]
    assert ours["output_s"] == pytest.approx(SMOKE_S, abs=0.15)
    assert ours["wall_s"] > 0 and result["bare"]["wall_s"] > 0
    assert ours["cpu_s"] > 0 and result["bare"]["cpu_s"] > 0 and result["cpu_ours_over_bare"] > 0
    assert ours["peak_rss_mib"] > 10
    assert result["moviepy"] is None


def test_long_timeline_command_reports_the_targets(bench_work: Path, tmp_path: Path) -> None:
    results_path = tmp_path / "long.json"
    cmd = [sys.executable, "-m", "benchmarks.long_timeline", "--lengths", "1", str(SMOKE_S),
           "--keep", str(bench_work), "--json", str(results_path)]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)

    assert "tree peak" in proc.stdout
    found = json.loads(results_path.read_text(encoding="utf-8"))
    assert [r["duration_s"] for r in found["results"]] == [1.0, SMOKE_S]
    for r in found["results"]:
        assert r["ours"]["output_s"] == pytest.approx(r["duration_s"], abs=0.05)
        assert r["ours"]["tree_peak_mib"] > 10 and r["cpu_over_bare"] > 0
        assert r["content_encode"]["cpu_s"] > 0 and r["wall_over_content"] > 0
    assert len(found["targets"]) == 3 and all(t["value"] is not None for t in found["targets"].values())


def test_rerender_command_reuses_all_but_the_edited_chunks(bench_work: Path, tmp_path: Path) -> None:
    """6.5 s of the faceless short in 1 s chunks cuts at 3 s and 6 s (its badges spin for 3 s each); the caption
    near the end (4.2-6.1 s) is in the last two chunks, so the re-render reuses the first and the audio."""
    results_path = tmp_path / "rerender.json"
    cmd = [sys.executable, "-m", "benchmarks.rerender", "--lengths", "6.5", "--chunk-seconds", "1",
           "--keep", str(bench_work), "--json", str(results_path)]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)

    assert "re-render after one caption edit" in proc.stdout
    (found,) = json.loads(results_path.read_text(encoding="utf-8"))
    cold, edited = found["cold"], found["edited"]
    assert (cold["units"], cold["reused"]) == (4, 0)
    assert (edited["units"], edited["reused"]) == (4, 2)
    assert found["wall_ratio"] > 0 and found["cpu_ratio"] > 0


def test_broll_draft_parses_in_pyjianyingdraft(tmp_path: Path) -> None:
    clips = tuple(Video(tmp_path / f"b{i}.mp4", 1920, 1080, 12 * SEC) for i in range(drafts.BROLL_CLIPS))
    broll = BrollMedia(clips, Sound(tmp_path / "voice.mp3", 61 * SEC), Sound(tmp_path / "music.mp3", 61 * SEC))
    plan = drafts.broll_plan(60)
    script = _load(tmp_path, "d", drafts.broll_draft(plan, broll))

    assert (script.width, script.height, script.duration) == (1080, 1920, 60 * SEC)
    [cuts] = _segments(script, "video")
    voice, music = _segments(script, "audio")
    assert (len(cuts), len(voice), len(music)) == (100, 100, 1)
    assert len({seg["material_id"] for seg in cuts}) == 10
    for seg in cuts:
        source = seg["source_timerange"]
        assert source["start"] + source["duration"] <= 12 * SEC


def test_memory_command_reports_the_targets(bench_work: Path, tmp_path: Path) -> None:
    results_path = tmp_path / "memory.json"
    cmd = [sys.executable, "-m", "benchmarks.memory", "--only", "faceless-60", "--scale",
           str(SMOKE_S / 60), "--keep", str(bench_work), "--json", str(results_path)]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)

    assert "peak memory" in proc.stdout
    found = json.loads(results_path.read_text(encoding="utf-8"))
    assert list(found["results"]) == ["faceless-60"]
    for runs in found["results"].values():
        assert runs["after"]["tree_peak_mib"] > 10 and runs["after"]["output_s"] == pytest.approx(SMOKE_S, abs=0.05)
