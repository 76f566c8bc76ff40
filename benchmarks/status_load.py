"""gen_video_status under load while renders run: `python -m benchmarks.status_load`.

Starts `capcut-mate serve` as its own process (two in-process render workers) on a fresh data dir, builds
two drafts over HTTP from loopback media, submits both, and while they render runs N concurrent pollers
(asyncio in this process, one keep-alive connection each) that each POST gen_video_status every
`--interval` seconds. Latency counts the requests made while the tasks were active (answered `processing`,
or `pending` before a render starts). `--baseline S` runs the same pollers for S seconds against a server
with no workers (tasks stay pending, nothing renders): the machine's floor, to compare with.
Prints p50/p95/p99/max latency, request count and errors. Target: p99 <= 50 ms on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from capcut_mate.drafts.ids import API_PREFIX
from capcut_mate.jobs.demo import build_draft, make_media, media_server

STATUS = f"{API_PREFIX}/gen_video_status"


def start_server(data_dir: Path, port: int, renders: int) -> subprocess.Popen[bytes]:
    """`capcut-mate serve` with `renders` in-process workers (0 = none: tasks stay pending)."""
    env = {
        **os.environ,
        "CAPCUT_MATE_DATA_DIR": str(data_dir),
        "CAPCUT_MATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CAPCUT_MATE_ALLOW_PRIVATE_URLS": "1",
        "CAPCUT_MATE_RENDER_WORKERS": str(max(1, renders)),
        "CAPCUT_MATE_IN_PROCESS_WORKERS": "1" if renders else "0",
    }
    command = [sys.executable, "-m", "capcut_mate", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


class _Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough HTTP for a JSON POST.

    A hand-rolled client costs the load generator a few microseconds per request, so on a small machine
    the numbers measure the server rather than the client (httpx's async client costs milliseconds).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, payload: dict) -> tuple[int, dict]:
        body = json.dumps(payload).encode()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(request)
                head = await self.reader.readuntil(b"\r\n\r\n")  # type: ignore[union-attr]
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()  # the server closed an idle keep-alive connection: reconnect once
                if attempt:
                    raise
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        payload_bytes = await self.reader.readexactly(int(headers.get("content-length", "0")))  # type: ignore[union-attr]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(lines[0].split()[1]), json.loads(payload_bytes)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _poller(
    host: str, port: int, drafts: list[str], interval: float, stop: asyncio.Event, out: dict[str, list]
) -> None:
    connection = _Connection(host, port)
    await asyncio.sleep(random.uniform(0, interval))
    while not stop.is_set():
        started = time.perf_counter()
        try:
            status, body = await connection.post_json(STATUS, {"draft_url": random.choice(drafts)})
            elapsed = time.perf_counter() - started
            if status != 200:
                out["errors"].append(f"HTTP {status}: {body}")
            else:
                out["statuses"].append(body["status"])
                if body["status"] in ("processing", "pending"):
                    out["latencies"].append(elapsed)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            connection.close()
            out["errors"].append(f"{type(exc).__name__}: {exc}")
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))
    connection.close()


async def _watch(client: httpx.AsyncClient, drafts: list[str], limit_s: float, stop: asyncio.Event) -> None:
    """Stop the pollers when both renders are finished (or after `limit_s`)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        states = [(await client.post(STATUS, json={"draft_url": d})).json()["status"] for d in drafts]
        if all(s in ("completed", "failed") for s in states):
            break
        await asyncio.sleep(0.2)
    stop.set()


async def poll_load(base_url: str, drafts: list[str], pollers: int, interval: float, limit_s: float) -> dict[str, list]:
    """Run `pollers` concurrent status pollers until the drafts' renders end; returns latencies and errors."""
    out: dict[str, list] = {"latencies": [], "errors": [], "statuses": []}
    stop = asyncio.Event()
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        tasks = [asyncio.create_task(_poller(host, port, drafts, interval, stop, out)) for _ in range(pollers)]
        await _watch(client, drafts, limit_s, stop)
        await asyncio.gather(*tasks)
    return out


def _cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process (Linux /proc), to tell server cost from machine contention."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pollers", type=int, default=200)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between one poller's requests")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each half of the drafts")
    parser.add_argument("--size", default="1280x720", help="canvas and media size")
    parser.add_argument("--port", type=int, default=30123)
    parser.add_argument("--baseline", type=float, default=0.0, help="seconds of polling with nothing rendering")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="status-load-") as tmp:
        data_dir = Path(tmp) / "data"
        make_media(Path(tmp) / "media", args.seconds, size)  # type: ignore[arg-type]
        renders = 0 if args.baseline else 2
        server = start_server(data_dir, args.port, renders)
        base_url = f"http://127.0.0.1:{args.port}"
        try:
            with media_server(Path(tmp) / "media") as media_url, httpx.Client(base_url=base_url, timeout=120) as c:
                drafts = [build_draft(c, media_url, args.seconds, size) for _ in range(2)]  # type: ignore[arg-type]
                for draft_url in drafts:
                    c.post(f"{API_PREFIX}/gen_video", json={"draft_url": draft_url}).raise_for_status()
                load_before, cpu_before = os.getloadavg()[0], _cpu_seconds(server.pid)
                limit_s = args.baseline or 600
                out = asyncio.run(poll_load(base_url, drafts, args.pollers, args.interval, limit_s))
                cpu_per_request = (_cpu_seconds(server.pid) - cpu_before) * 1000 / max(1, len(out["statuses"]))
                load_after = os.getloadavg()[0]
                final = [c.post(STATUS, json={"draft_url": d}).json()["status"] for d in drafts]
        finally:
            server.terminate()
            server.wait(timeout=30)
    lat = [v * 1000 for v in out["latencies"]]
    if args.baseline:
        what = f"baseline: nothing rendering, {args.baseline:g} s"
    else:
        what = f"while 2 renders run ({args.size}, {2 * args.seconds:g} s each)"
    print(f"pollers={args.pollers} interval={args.interval}s {what}")
    print(f"requests while tasks were active: {len(lat)}  errors: {len(out['errors'])}  tasks ended: {final}")
    print(
        f"server CPU per request: {cpu_per_request:.2f} ms  "
        f"load average: {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} cores"
    )
    if lat:
        print(
            f"latency ms: p50={percentile(lat, 0.50):.1f} p95={percentile(lat, 0.95):.1f} "
            f"p99={percentile(lat, 0.99):.1f} max={max(lat):.1f} mean={statistics.fmean(lat):.1f}"
        )
    for message in out["errors"][:5]:
        print("error:", message)


if __name__ == "__main__":
    main()
