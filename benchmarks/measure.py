"""One measurement in a fresh process, so its peak RSS is its own (plus its ffmpeg children).

    python -m benchmarks.measure {ours|moviepy} {a|b} --work DIR --duration S --output OUT.mp4 --result R.json

Run by render_bench.py; writes {"wall_s", "cpu_s", "peak_rss_mib", "output_s", "warnings", "timings"} to the
result file (warnings and stage timings come from our render report; MoviePy has none).
Imports and media lookup happen before the clock starts; loading the draft / building the clips is timed.
cpu_s = user + system time of this process and its ffmpeg children: unlike wall time it barely moves when
colleagues load the shared machine. Peak RSS = this process's peak + the largest waited-for child's peak
(getrusage): Python + ffmpeg.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import scenarios

Job = Callable[[], dict[str, Any]]


def _ours(key: str, work: Path, duration_s: float, output: Path) -> Job:
    from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft

    folder = scenarios.draft_dir(work, key, duration_s)

    def job() -> dict[str, Any]:
        draft = json.loads((folder / "draft_content.json").read_text(encoding="utf-8"))
        report = render_draft(draft, DraftMediaResolver(folder), output, RenderOptions(preset="veryfast", crf=23))
        return {"warnings": list(report.warnings), "timings": dict(report.timings)}

    return job


def _moviepy(key: str, work: Path, duration_s: float, output: Path) -> Job:
    from benchmarks import moviepy_comp

    plan, found = scenarios.prepare(key, work, duration_s)
    build = moviepy_comp.slideshow if key == "a" else moviepy_comp.talking_head

    def job() -> dict[str, Any]:
        moviepy_comp.write(build(plan, found), output)
        return {"warnings": [], "timings": {}}

    return job


ENGINES = {"ours": _ours, "moviepy": _moviepy}


def _usage() -> tuple[float, float]:
    """(CPU seconds, peak RSS MiB) of this process plus its children so far; ru_maxrss is KiB on Linux."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    return cpu, (own.ru_maxrss + kids.ru_maxrss) / 1024


def _duration_s(path: Path) -> float:
    """Imported here so PyAV does not count towards the measured process's footprint before the job."""
    import av

    with av.open(str(path)) as container:
        return container.duration / av.time_base


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measure")
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("scenario", choices=sorted(scenarios.SCENARIOS))
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args()

    job = ENGINES[args.engine](args.scenario, args.work, args.duration, args.output)
    cpu_start, _ = _usage()
    start = time.perf_counter()
    extras = job()
    wall = time.perf_counter() - start
    cpu_end, peak_rss = _usage()
    result = {
        "wall_s": wall,
        "cpu_s": cpu_end - cpu_start,
        "peak_rss_mib": peak_rss,
        "output_s": _duration_s(args.output),
        **extras,
    }
    args.result.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
