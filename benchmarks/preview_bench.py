"""Preview benchmark: how long one 1080×1920 preview frame takes, the figure an agent's loop waits on.

    python -m benchmarks.preview_bench [--frames 20] [--keep DIR]

The draft (issue 8): a 1080p camera video on the main track (GOP 250, so a seek decodes from the previous
keyframe), a 12 MP photo with scale/position keyframes as picture-in-picture, two stroked captions; 12 s.
Frames are taken at times spread over the timeline (in a shuffled order, so no cache of the previous frame
helps); prints p50 / p90 / max wall time per frame. Target: p50 ≤ 1.5 s. Reported, never asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import media
from benchmarks.drafts import Caption, _DraftBuilder
from capcut_mate.render import DraftMediaResolver, RenderOptions
from capcut_mate.render.preview import preview_frames

SEC = media.SEC
DURATION_US = 12 * SEC
P50_TARGET_S = 1.5


def build_draft(folder: Path) -> dict:
    video = media.source_video(folder / "camera.mp4", DURATION_US / SEC)
    photo = media.photo(folder / "photo.jpg", (3024, 4032), seed=8)
    b = _DraftBuilder("bench_preview", 1080, 1920)
    main = b.segment(b.video_material(video), 0, DURATION_US, source=(0, DURATION_US), extra_refs=(b.speed(1.0),))
    b.track("video", "main", [main])
    kfs = (
        b.keyframes("KFTypeScaleX", 8 * SEC, (0.45, 0.6)),
        b.keyframes("KFTypePositionX", 8 * SEC, (-0.3, 0.3)),
        b.keyframes("KFTypePositionY", 8 * SEC, (0.4, 0.2)),
    )
    pip = b.segment(
        b.video_material(photo), 2 * SEC, 8 * SEC, source=(0, 8 * SEC), visual=(0.45, -0.3, 0.4), keyframes=kfs
    )
    b.track("video", "photo", [pip])
    first = Caption(0, 6 * SEC, "今天我们聊聊怎么用剪映", 8.0, -0.7)
    b.captions((first, Caption(6 * SEC, 6 * SEC, "记得点赞和收藏", 8.0, -0.7)))
    return b.document()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=20, help="previews to time")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated media in DIR")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        draft = build_draft(folder)
        resolver = DraftMediaResolver(folder)
        preview_frames(draft, resolver, [0])  # warm-up: fonts, page cache
        times = [round(DURATION_US * (n + 0.5) / args.frames) for n in range(args.frames)]
        random.Random(8).shuffle(times)
        walls = []
        for time_us in times:
            started = time.perf_counter()
            preview_frames(draft, resolver, [time_us], RenderOptions())
            walls.append(time.perf_counter() - started)
    walls.sort()
    p50 = statistics.median(walls)
    p90 = walls[min(len(walls) - 1, round(0.9 * (len(walls) - 1)))]
    verdict = "meets" if p50 <= P50_TARGET_S else "misses"
    print(f"preview 1080x1920, {len(walls)} frames: p50 {p50:.3f} s, p90 {p90:.3f} s, max {walls[-1]:.3f} s")
    print(f"target p50 <= {P50_TARGET_S} s: {verdict}")


if __name__ == "__main__":
    main()
