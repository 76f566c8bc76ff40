"""One measurement in a fresh process, so its peak RSS is its own (plus its ffmpeg children).

    python -m benchmarks.measure {ours|moviepy} {a|b} --work DIR --duration S --output OUT.mp4 --result R.json

Run by render_bench.py and long_timeline.py; writes {"wall_s", "cpu_s", "peak_rss_mib", "tree_peak_mib",
"output_s", "warnings", "timings"} to the result file (warnings and stage timings come from our render report;
MoviePy has none).
Imports and media lookup happen before the clock starts; loading the draft / building the clips is timed.
cpu_s = user + system time of this process and its ffmpeg children: unlike wall time it barely moves when
colleagues load the shared machine. Peak RSS = this process's peak + the largest waited-for child's peak
(getrusage): Python + ffmpeg. tree_peak_mib = the largest sum of RSS over this process and all its descendants
at once, sampled every 50 ms: what parallel ffmpeg runs (render chunks) hold together.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import scenarios

Job = Callable[[], dict[str, Any]]


def _ours(key: str, work: Path, duration_s: float, output: Path, chunk_workers: int | None) -> Job:
    from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft

    folder = scenarios.draft_dir(work, key, duration_s)
    options = RenderOptions(preset="veryfast", crf=23)
    if chunk_workers:
        options.chunk_workers = chunk_workers

    def job() -> dict[str, Any]:
        draft = json.loads((folder / "draft_content.json").read_text(encoding="utf-8"))
        report = render_draft(draft, DraftMediaResolver(folder), output, options)
        return {"warnings": list(report.warnings), "timings": dict(report.timings), "notes": list(report.notes)}

    return job


def _moviepy(key: str, work: Path, duration_s: float, output: Path, chunk_workers: int | None) -> Job:
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


class TreeSampler:
    """Samples the summed RSS of each root process and its descendants (from /proc) until stopped; keeps each
    root's peak. Roots default to this process."""

    def __init__(self, interval_s: float = 0.05, roots: list[int] | None = None) -> None:
        self.interval_s = interval_s
        self.peaks_mib = dict.fromkeys(roots or [os.getpid()], 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def peak_mib(self) -> float:
        """The first root's peak."""
        return next(iter(self.peaks_mib.values()))

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            for root, peak in self.peaks_mib.items():
                self.peaks_mib[root] = max(peak, tree_rss_mib(root))


def tree_rss_mib(root: int) -> float:
    """RSS of `root` and every process below it; processes that vanish while being read are skipped.

    A child still running its parent's program is a fork on its way to exec (subprocess's vfork shares the
    parent's memory, which /proc reports as the child's RSS too): it is not counted, or a sample falling in
    that instant would count Python twice (seen: 262 MiB added to a 600 s render's peak)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                text = stat.read()
        except OSError:
            continue
        pid = int(entry.name)
        head, _, tail = text.rpartition(")")
        fields = tail.split()
        names[pid] = head.partition("(")[2]
        children.setdefault(int(fields[1]), []).append(pid)  # fields[1] = ppid
        rss[pid] = int(fields[21]) * resource.getpagesize()  # fields[21] = rss in pages
    total, stack = rss.get(root, 0), [root]
    while stack:
        pid = stack.pop()
        for child in children.get(pid, ()):
            if names.get(child) != names.get(pid):
                total += rss.get(child, 0)
                stack.append(child)
    return total / 2**20


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
    parser.add_argument("--chunk-workers", type=int, help="our renderer's parallel chunks (default: its own)")
    args = parser.parse_args()

    job = ENGINES[args.engine](args.scenario, args.work, args.duration, args.output, args.chunk_workers)
    cpu_start, _ = _usage()
    start = time.perf_counter()
    with TreeSampler() as sampler:
        extras = job()
    wall = time.perf_counter() - start
    cpu_end, peak_rss = _usage()
    result = {
        "wall_s": wall,
        "cpu_s": cpu_end - cpu_start,
        "peak_rss_mib": peak_rss,
        "tree_peak_mib": sampler.peak_mib,
        "output_s": _duration_s(args.output),
        **extras,
    }
    args.result.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
