"""Peak-memory benchmark (issue 21): the process tree's peak while rendering, per draft, against the targets.

    python -m benchmarks.memory [--long] [--before SRC] [--only NAME ...] [--scale F] [--keep DIR] [--json PATH]

Drafts: the 60 s B-roll montage (scenario d: 100 cuts from 10 1080p clips, their sound, narration, music), the
faceless short (scenario c) at 60 s and 240 s, and with --long at 600 s. Each render runs in a fresh process
(benchmarks.measure), whose tree peak is the largest summed RSS of Python and every ffmpeg run at one moment.
`--before SRC` also renders each draft with the capcut_mate package found in SRC (say, `git archive` of main's
src/ unpacked somewhere), in the same run, so the table shows before and after on the same machine and load.
Targets: B-roll ≤ 600 MB, 240 s ÷ 60 s ≤ 1.1, 600 s ≤ 800 MB. Reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.table import Table

from benchmarks import scenarios
from benchmarks.render_bench import REPO, console, ratio, target, verdict

MB = 1e6 / 2**20  # MiB per MB: the targets are in MB
DRAFTS = {"broll-60": ("d", 60.0), "faceless-60": ("c", 60.0), "faceless-240": ("c", 240.0)}
LONG = {"faceless-600": ("c", 600.0)}
BROLL_TARGET_MB = 600.0
GROWTH_TARGET = 1.1
LONG_TARGET_MB = 800.0


def run(name: str, key: str, duration_s: float, work: Path, src: Path | None) -> dict[str, Any]:
    """One render in a child process (with `src` first on its path when given); its result or {"error": ...}."""
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    tag = f"{name}-{'before' if src else 'after'}"
    result = out / f"{tag}.json"
    result.unlink(missing_ok=True)
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src.resolve()), str(REPO)])
    cmd = [sys.executable, "-m", "benchmarks.measure", "ours", key, "--work", str(work), "--duration",
           str(duration_s), "--output", str(out / f"{tag}.mp4"), "--result", str(result)]  # fmt: skip
    console.log(f"{tag}: rendering")
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"error": "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])}
    return json.loads(result.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--long", action="store_true", help="also the 600 s faceless short")
    parser.add_argument("--before", type=Path, help="a src/ folder holding the capcut_mate to compare with")
    parser.add_argument("--only", nargs="+", help="draft names to run (default: all)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every length (a quick smoke run)")
    parser.add_argument("--keep", type=Path, help="work folder to keep (media is reused between runs)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    drafts = {**DRAFTS, **(LONG if args.long else {})}
    names = [n for n in drafts if not args.only or n in args.only]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="memory-bench-") as tmp:
        work = (args.keep or Path(tmp)).resolve()
        for name in names:
            key, duration_s = drafts[name][0], drafts[name][1] * args.scale
            scenarios.write_draft(key, work, duration_s)
            results[name] = {"after": run(name, key, duration_s, work, None)}
            if args.before:
                results[name]["before"] = run(name, key, duration_s, work, args.before)

    def peak(name: str, which: str = "after") -> float | None:
        value = results.get(name, {}).get(which, {}).get("tree_peak_mib")
        return None if value is None else float(value)

    table = Table(title="capcut-mate peak memory (process tree: Python + every ffmpeg run at once)")
    for column in ("draft", "before MiB", "after MiB", "after MB", "after CPU s", "chunks"):
        table.add_column(column, justify="right")
    for name, runs in results.items():
        after = runs["after"]
        notes = [n for n in after.get("notes", []) if n.startswith("rendered in")]
        before = peak(name, "before")
        table.add_row(
            name,
            "—" if before is None else f"{before:.0f}",
            after.get("error", "")[:40] or f"{after['tree_peak_mib']:.0f}",
            "—" if peak(name) is None else f"{peak(name) / MB:.0f}",  # type: ignore[operator]
            "—" if "error" in after else f"{after['cpu_s']:.0f}",
            notes[0].split(",")[0].removeprefix("rendered in ") if notes else "1",
        )
    console.print(table)
    goals: dict[str, dict[str, Any]] = {}
    if peak("broll-60") is not None:
        goals["B-roll 60 s peak MB"] = target(peak("broll-60") / MB, BROLL_TARGET_MB, at_most=True)  # type: ignore[operator]
    if peak("faceless-60") is not None and peak("faceless-240") is not None:
        goals["faceless 240 s ÷ 60 s peak"] = target(
            ratio(peak("faceless-240"), peak("faceless-60")), GROWTH_TARGET, at_most=True
        )
    if peak("faceless-600") is not None:
        goals["faceless 600 s peak MB"] = target(peak("faceless-600") / MB, LONG_TARGET_MB, at_most=True)  # type: ignore[operator]
    for name, goal in goals.items():
        console.print(f"{name}: {verdict(goal, '.2f')}")
    for name, runs in results.items():
        for which, result in runs.items():
            if "error" in result:
                console.print(f"[red]{name} ({which}) failed:[/]\n{result['error']}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "targets": goals}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
