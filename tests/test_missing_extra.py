"""Cluster settings without the cluster extra: one stderr line naming what to install, a non-zero exit, no
traceback. The libraries are made unimportable in the child (None in sys.modules), as in an install without
the extra."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import servers

BLOCK = "import sys; sys.modules[{name!r}] = None; from capcut_mate.cli import app; app()"


@pytest.mark.parametrize(
    ("module", "setting", "value", "command"),
    [
        ("psycopg_pool", "CAPCUT_MATE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test", "serve"),
        ("psycopg_pool", "CAPCUT_MATE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test", "worker"),
        ("boto3", "CAPCUT_MATE_STORAGE_URL", "s3://bucket/prefix", "serve"),
        ("psycopg_pool", "CAPCUT_MATE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test", "migrate"),
    ],
)
def test_cluster_mode_without_the_extra_says_what_to_install(
    tmp_path: Path, module: str, setting: str, value: str, command: str
) -> None:
    env = {**os.environ, setting: value, "CAPCUT_MATE_DATA_DIR": str(tmp_path / "data")}
    args = [command, "--port", str(servers.free_port())] if command == "serve" else [command]
    done = subprocess.run(
        [sys.executable, "-c", BLOCK.format(name=module), *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert "pip install -e '.[cluster]'" in done.stderr and setting in done.stderr and module in done.stderr
    assert "Traceback" not in done.stderr, done.stderr
