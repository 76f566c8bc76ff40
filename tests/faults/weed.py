"""A SeaweedFS S3 server that a test can stop and start again on the same ports and data (its data folder
survives a SIGKILL: only the server goes away, as when the bucket's machine or network blinks)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.cluster.seaweed import client, server_args


class RestartableSeaweed:
    def __init__(self, root: Path, weed: str) -> None:
        self.root = root
        args, self.endpoint = server_args(root, weed)
        # restart in seconds, not 20
        self.args = [*args, "-master.electionTimeout=1s", "-master.resumeState=false"]
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
