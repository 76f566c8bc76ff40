"""The quality presets against each other on this machine: `python -m benchmarks.quality`.

Encodes two generated 6 s 1280x720 clips (testsrc2, flat areas and edges; testsrc2 blended with a
mandelbrot zoom, detail everywhere) with each X264 preset of render/formats.py, one encoder thread, and
prints each preset's file size and encoder CPU time (user seconds, steadier than wall time on a shared
machine) as ratios to `standard`, measured in the same run. `draft` should be below 1.0 on both.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render.formats import QUALITIES, X264

SOURCES = {
    "testsrc2": "testsrc2=size=1280x720:rate=30:duration=6",
    "detailed": "testsrc2=size=1280x720:rate=30:duration=6[a];mandelbrot=size=1280x720:rate=30[b];"
    "[a][b]blend=all_mode=average,trim=duration=6",
}


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ffmpeg = ffmpeg_exe()
    with tempfile.TemporaryDirectory() as folder:
        for name, graph in SOURCES.items():
            source = Path(folder) / f"{name}.mkv"
            subprocess.run([ffmpeg, "-v", "error", "-y", "-filter_complex", graph, "-c:v", "ffv1", str(source)],
                           check=True)  # fmt: skip
            measured = {}
            for quality in QUALITIES:
                preset, crf = X264[quality]
                out = Path(folder) / f"{name}-{quality}.mp4"
                before = _child_cpu()
                args = ["-threads", "1", "-i", str(source), "-c:v", "libx264", "-preset", preset, "-crf", str(crf)]
                subprocess.run([ffmpeg, "-v", "error", "-y", *args, "-pix_fmt", "yuv420p", str(out)], check=True)
                measured[quality] = (out.stat().st_size, _child_cpu() - before)
            size0, cpu0 = measured["standard"]
            for quality, (size, cpu) in measured.items():
                preset, crf = X264[quality]
                print(f"{name:9} {quality:8} {preset:9} crf {crf}: {size / 1e6:6.2f} MB ({size / size0:4.2f}x), "
                      f"cpu {cpu:5.2f} s ({cpu / cpu0:4.2f}x)")  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
