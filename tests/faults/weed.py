"""A SeaweedFS S3 server that a test can stop and start again on the same ports and data (its data folder
survives a SIGKILL: only the server goes away, as when the bucket's machine or network blinks)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.cluster.seaweed import ACCESS_KEY, SECRET_KEY, _free_block, client


class RestartableSeaweed:
    def __init__(self, root: Path, weed: str) -> None:
        self.root = root
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
        self.args = [weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={root}", "-s3"]
        self.args += [f"-s3.config={config}", *(f"-{name}={port}" for name, port in ports.items())]
        self.args += ["-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=64", "-volume.max=50"]
        self.args += ["-master.electionTimeout=1s", "-master.resumeState=false"]  # restart in seconds, not 20
        self.args += [f"-filer.localSocket={root}/filer.sock"]
        self.endpoint = f"http://127.0.0.1:{ports['s3.port']}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, bucket: str | None = None) -> None:
        """Start, and return once the bucket answers a write and a read (volumes take a moment to register)."""
        with open(self.root / "weed.log", "ab") as log:
            self.process = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT, cwd=self.root)
        s3 = client(self.endpoint)
        deadline = time.monotonic() + 120
        while True:
            try:
                if bucket is None:
                    s3.list_buckets()
                else:
                    s3.put_object(Bucket=bucket, Key="probe/ready", Body=b"ok")
                    s3.get_object(Bucket=bucket, Key="probe/ready")["Body"].read()
                return
            except Exception as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    tail = (self.root / "weed.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"SeaweedFS did not start: {exc}\n{tail}") from exc
                time.sleep(0.3)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
