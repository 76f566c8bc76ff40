"""Re-render benchmark (issue 25): render a draft, change one caption near the end, render it again.

    python -m benchmarks.rerender [--lengths S ...] [--keep DIR] [--json PATH]

The drafts are benchmarks.long_timeline's faceless short (scenario c: 1080×1920, a Ken Burns photo every
1.5 s, a PiP and a spinning badge every 3 s, a stroked subtitle every 2.1 s, narration and music) at 60 s
and 600 s. Per length, each render in a fresh process (as a worker runs it), both with the same chunk
cache (a fresh one per length, in the data dir's layout): the cold render, then the draft with the
second-to-last caption's text changed. Prints wall and CPU seconds of both, the second ÷ the first, and
how many units the second reused. Targets: ≤ 20 % at 60 s, ≤ 5 % at 600 s (wall).
Not a timed test: targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks import scenarios

SCENARIO = "c"
LENGTHS_S = (60.0, 600.0)
TARGETS = {60.0: 0.20, 600.0: 0.05}  # second render ÷ first, wall
console = Console()


def edited(doc: dict[str, Any]) -> dict[str, Any]:
    """The draft with the second-to-last caption (by start time) saying something else."""
    copy: dict[str, Any] = json.loads(json.dumps(doc))
    track = next(t for t in copy["tracks"] if t["type"] == "text")
    segment = sorted(track["segments"], key=lambda s: s["target_timerange"]["start"])[-2]
    material = next(m for m in copy["materials"]["texts"] if m["id"] == segment["material_id"])
    content = json.loads(material["content"])
    content["text"] = "Changed, one last time"
    for style in content.get("styles", []):
        style["range"] = [0, len(content["text"])]
    material["content"] = json.dumps(content, ensure_ascii=False)
    return copy


def render_once(draft: Path, cache: Path, output: Path) -> dict[str, Any]:
    """One render in this process with the chunk cache at `cache` (the child's side of `timed`)."""
    from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft
    from capcut_mate.render.chunking.cache import ChunkReuse, FileHashes
    from capcut_mate.storage.chunk_cache import StorageChunkCache
    from capcut_mate.storage.local import LocalStorage

    reuse = ChunkReuse(StorageChunkCache(LocalStorage(cache), 50 * 1024**3), FileHashes(cache / "file-hashes.sqlite3"))
    doc = json.loads(draft.read_text(encoding="utf-8"))
    report = render_draft(doc, DraftMediaResolver(draft.parent), output, RenderOptions(chunk_reuse=reuse))
    units = report.chunks
    return {"units": len(units), "reused": sum(bool(u.get("reused")) for u in units), "timings": report.timings}


def timed(draft: Path, cache: Path, output: Path) -> dict[str, Any]:
    """A render in a fresh process: its wall and CPU seconds (the child and its ffmpeg runs)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    args = [sys.executable, "-m", "benchmarks.rerender", "--one", str(draft), str(cache), str(output)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"render failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), **json.loads(done.stdout.splitlines()[-1])}


def run_length(work: Path, duration_s: float) -> dict[str, Any]:
    console.log(f"[bold]faceless short {duration_s:g} s[/]: preparing media and draft")
    folder = scenarios.write_draft(SCENARIO, work, duration_s)
    doc = json.loads((folder / "draft_content.json").read_text(encoding="utf-8"))
    (folder / "draft_edited.json").write_text(json.dumps(edited(doc), ensure_ascii=False), encoding="utf-8")
    cache = work / f"cache-{duration_s:g}s"
    shutil.rmtree(cache, ignore_errors=True)
    console.log(f"({duration_s:g} s) cold render")
    cold = timed(folder / "draft_content.json", cache, work / "out" / f"cold_{duration_s:g}.mp4")
    console.log(f"({duration_s:g} s) one caption changed near the end, rendered again")
    warm = timed(folder / "draft_edited.json", cache, work / "out" / f"edited_{duration_s:g}.mp4")
    return {
        "duration_s": duration_s,
        "cold": cold,
        "edited": warm,
        "wall_ratio": round(warm["wall_s"] / cold["wall_s"], 3),
        "cpu_ratio": round(warm["cpu_s"] / cold["cpu_s"], 3),
        "target": TARGETS.get(duration_s),
    }


def print_results(results: list[dict[str, Any]]) -> None:
    table = Table(title="re-render after one caption edit (faceless short)")
    for column in ("length", "cold wall / cpu s", "edited wall / cpu s", "reused units", "wall ratio", "target"):
        table.add_column(column)
    for r in results:
        target = r["target"]
        verdict = "" if target is None else ("[green]met[/]" if r["wall_ratio"] <= target else "[red]missed[/]")
        table.add_row(
            f"{r['duration_s']:g} s",
            f"{r['cold']['wall_s']:.1f} / {r['cold']['cpu_s']:.1f}",
            f"{r['edited']['wall_s']:.1f} / {r['edited']['cpu_s']:.1f}",
            f"{r['edited']['reused']} of {r['edited']['units']}",
            f"{r['wall_ratio']:.1%} (cpu {r['cpu_ratio']:.1%})",
            f"≤ {target:.0%} {verdict}" if target is not None else "",
        )
    console.print(table)


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        draft, cache, output = map(Path, sys.argv[2:5])
        print(json.dumps(render_once(draft, cache, output)))
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rerender", description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=float, nargs="+", default=LENGTHS_S, help="timeline lengths (s)")
    parser.add_argument("--keep", type=Path, help="work folder to keep (media is reused between runs)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rerender-") as tmp:
        work = (args.keep or Path(tmp)).resolve()
        (work / "out").mkdir(parents=True, exist_ok=True)
        results = [run_length(work, length) for length in args.lengths]
    print_results(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
