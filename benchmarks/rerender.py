"""Re-render benchmark (issue 25): render a draft, change one caption near the end, render it again.

    python -m benchmarks.rerender [--lengths S ...] [--cluster] [--chunk-seconds S] [--keep DIR] [--json PATH]

The drafts are benchmarks.long_timeline's faceless short (scenario c: 1080×1920, a Ken Burns photo every
1.5 s, a PiP and a spinning badge every 3 s, a stroked subtitle every 2.1 s, narration and music) at 60 s
and 600 s. Per length, each render in a fresh process (as a worker runs it), both with the same chunk
cache (a fresh one per length, in the data dir's layout): the cold render, then the draft with the
second-to-last caption's text changed. Prints wall and CPU seconds of both, the second ÷ the first, and
how many units the second reused. Targets: ≤ 20 % at 60 s, ≤ 5 % at 600 s (wall).

`--cluster` does the same through the API of a cluster started here (benchmarks.cluster: PostgreSQL, a
SeaweedFS bucket, 2 `capcut-mate worker` processes): gen_video, then replace_text on that caption, then
gen_video again; times are created_at -> completed_at as gen_video_status reports them, and the chunk cache
is the bucket's, shared by both workers.
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
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks import scenarios

SCENARIO = "c"
LENGTHS_S = (60.0, 600.0)
TARGETS = {60.0: 0.20, 600.0: 0.05}  # second render ÷ first, wall
EDITED_TEXT = "Changed, one last time"
console = Console()


def caption_near_end(doc: dict[str, Any]) -> dict[str, Any]:
    """The second-to-last caption segment by start time (the only one of a draft too short for two)."""
    track = next(t for t in doc["tracks"] if t["type"] == "text")
    return sorted(track["segments"], key=lambda s: s["target_timerange"]["start"])[-2:][0]


def edited(doc: dict[str, Any]) -> dict[str, Any]:
    """The draft with the caption near the end saying something else."""
    copy: dict[str, Any] = json.loads(json.dumps(doc))
    segment = caption_near_end(copy)
    material = next(m for m in copy["materials"]["texts"] if m["id"] == segment["material_id"])
    content = json.loads(material["content"])
    content["text"] = EDITED_TEXT
    for style in content.get("styles", []):
        style["range"] = [0, len(content["text"])]
    material["content"] = json.dumps(content, ensure_ascii=False)
    return copy


def render_once(draft: Path, cache: Path, output: Path, chunk_seconds: float) -> dict[str, Any]:
    """One render in this process with the chunk cache at `cache` (the child's side of `timed`)."""
    from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft
    from capcut_mate.render.chunking.cache import ChunkReuse, FileHashes
    from capcut_mate.storage.chunk_cache import StorageChunkCache
    from capcut_mate.storage.local import LocalStorage

    reuse = ChunkReuse(StorageChunkCache(LocalStorage(cache), 50 * 1024**3), FileHashes(cache / "file-hashes.sqlite3"))
    doc = json.loads(draft.read_text(encoding="utf-8"))
    options = RenderOptions(chunk_seconds=chunk_seconds, chunk_reuse=reuse)
    report = render_draft(doc, DraftMediaResolver(draft.parent), output, options)
    units = report.chunks
    return {"units": len(units), "reused": sum(bool(u.get("reused")) for u in units), "timings": report.timings}


def timed(draft: Path, cache: Path, output: Path, chunk_seconds: float) -> dict[str, Any]:
    """A render in a fresh process: its wall and CPU seconds (the child and its ffmpeg runs)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    args = [
        sys.executable,
        "-m",
        "benchmarks.rerender",
        "--one",
        str(draft),
        str(cache),
        str(output),
        str(chunk_seconds),
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"render failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), **json.loads(done.stdout.splitlines()[-1])}


def run_length(work: Path, duration_s: float, chunk_seconds: float) -> dict[str, Any]:
    console.log(f"[bold]faceless short {duration_s:g} s[/]: preparing media and draft")
    folder = scenarios.write_draft(SCENARIO, work, duration_s)
    doc = json.loads((folder / "draft_content.json").read_text(encoding="utf-8"))
    (folder / "draft_edited.json").write_text(json.dumps(edited(doc), ensure_ascii=False), encoding="utf-8")
    cache = work / f"cache-{duration_s:g}s"
    shutil.rmtree(cache, ignore_errors=True)
    console.log(f"({duration_s:g} s) cold render")
    cold = timed(folder / "draft_content.json", cache, work / "out" / f"cold_{duration_s:g}.mp4", chunk_seconds)
    console.log(f"({duration_s:g} s) one caption changed near the end, rendered again")
    warm = timed(folder / "draft_edited.json", cache, work / "out" / f"edited_{duration_s:g}.mp4", chunk_seconds)
    return {
        "duration_s": duration_s,
        "cold": cold,
        "edited": warm,
        "wall_ratio": round(warm["wall_s"] / cold["wall_s"], 3),
        "cpu_ratio": round(warm["cpu_s"] / cold["cpu_s"], 3),
        "target": TARGETS.get(duration_s),
    }


def cluster_length(work: Path, duration_s: float, chunk_seconds: float) -> dict[str, Any]:
    """The same edit loop through the API of a 2-worker cluster with the chunk cache in the bucket."""
    import httpx
    from tests.cluster import seaweed

    from benchmarks.cluster import Deployment, _database, _url, bucket, portable_copies, render_all
    from capcut_mate.drafts.ids import API_PREFIX

    folder = scenarios.write_draft(SCENARIO, work, duration_s)
    doc = json.loads((folder / "draft_content.json").read_text(encoding="utf-8"))
    segment_id = caption_near_end(doc)["id"]
    root = work / f"cluster-{duration_s:g}s"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    with ExitStack() as stack:
        endpoint = bucket(stack, root)
        (draft_id,) = portable_copies(folder, root / "source", 1)
        # replace_text rewrites the app's meta file too, which portable copies leave out (an edit of a draft
        # imported without one is a 500 today: drafts/store.py edit)
        (root / "source" / "drafts" / draft_id / "draft_meta_info.json").write_text("{}", encoding="utf-8")
        env = {
            **seaweed.storage_env(endpoint, "bench", f"rerender-{uuid.uuid4().hex[:6]}"),
            "CAPCUT_MATE_DATABASE_URL": stack.enter_context(_database()),
            "CAPCUT_MATE_RENDER_CHUNK_SECONDS": str(chunk_seconds),
        }
        deployment = Deployment(root, env, 2, cluster=True)
        deployment.import_drafts(root / "source")
        with deployment:
            console.log(f"(cluster, {duration_s:g} s) cold render")
            (cold,) = render_all(deployment, [draft_id])
            edit = {"draft_url": _url(deployment, draft_id), "segment_id": segment_id, "text": EDITED_TEXT}
            httpx.post(f"{deployment.base_url}{API_PREFIX}/replace_text", json=edit, timeout=60).raise_for_status()
            console.log(f"(cluster, {duration_s:g} s) one caption changed near the end, rendered again")
            (warm,) = render_all(deployment, [draft_id])
            report = httpx.get(
                f"{deployment.base_url}{API_PREFIX}/gen_video_report",
                params={"draft_url": edit["draft_url"]},
                timeout=60,
            ).json()["report"]
    units = report.get("chunks") or []
    return {
        "duration_s": duration_s,
        "cold": {"wall_s": round(cold["seconds"], 2), "cpu_s": float("nan")},
        "edited": {
            "wall_s": round(warm["seconds"], 2),
            "cpu_s": float("nan"),
            "units": len(units),
            "reused": sum(bool(u.get("reused")) for u in units),
        },
        "wall_ratio": round(warm["seconds"] / cold["seconds"], 3),
        "cpu_ratio": float("nan"),
        "target": TARGETS.get(duration_s),
    }


def print_results(results: list[dict[str, Any]], where: str) -> None:
    table = Table(title=f"re-render after one caption edit (faceless short, {where})")
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
        print(json.dumps(render_once(draft, cache, output, float(sys.argv[5]))))
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rerender", description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=float, nargs="+", default=LENGTHS_S, help="timeline lengths (s)")
    parser.add_argument("--cluster", action="store_true", help="through a 2-worker cluster with the cache in a bucket")
    parser.add_argument("--chunk-seconds", type=float, default=10.0, help="chunk length (the service's default)")
    parser.add_argument("--keep", type=Path, help="work folder to keep (media is reused between runs)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rerender-") as tmp:
        work = (args.keep or Path(tmp)).resolve()
        (work / "out").mkdir(parents=True, exist_ok=True)
        run = cluster_length if args.cluster else run_length
        results = [run(work, length, args.chunk_seconds) for length in args.lengths]
    print_results(results, "2-worker cluster, cache in the bucket" if args.cluster else "embedded")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
