"""Moving an embedded installation to the cluster: `capcut-mate import-drafts DATA_DIR` copies its drafts
into the bucket and PostgreSQL, and they keep working there (listed, edited, rendered)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from capcut_mate.config import Settings
from tests.jobs.helpers import V1, build_draft, poll, post
from tests.servers import ServerProcess, api_server

pytest.importorskip("procrastinate", reason="cluster extra not installed (pip install -e '.[cluster]')")


def test_embedded_drafts_move_to_the_cluster(
    pg_url: str, s3_env: dict[str, str], media_url: str, tmp_path: Path
) -> None:
    embedded = Settings(
        data_dir=tmp_path / "embedded", allow_private_urls=True, in_process_workers=False, storage_url=None
    )
    with api_server(embedded) as base, httpx.Client(base_url=base, timeout=60) as client:
        draft_url = build_draft(client, media_url)
        listing = client.get(f"{V1}/get_draft", params={"draft_id": draft_url.split("=")[1]}).json()
    draft_id = draft_url.split("=")[1]
    folder = embedded.data_dir / "drafts" / draft_id
    # Drafts written by earlier versions carry absolute server paths: the import makes them relative.
    doc = json.loads((folder / "draft_content.json").read_text("utf-8"))
    for material in doc["materials"]["videos"] + doc["materials"]["audios"]:
        material["path"] = str(folder / material["path"].split("_##/", 1)[1])
    (folder / "draft_content.json").write_text(json.dumps(doc), "utf-8")

    env = {**os.environ, **s3_env, "CAPCUT_MATE_DATABASE_URL": pg_url, "CAPCUT_MATE_DATA_DIR": str(tmp_path / "x")}
    command = [sys.executable, "-m", "capcut_mate", "import-drafts", str(embedded.data_dir)]
    for _ in range(2):  # running it again changes nothing
        run = subprocess.run(command, env=env, capture_output=True, text=True)
        assert run.returncode == 0 and "1 draft(s) imported" in run.stdout, run

    server = ServerProcess(tmp_path / "cluster", extra_env={**s3_env, "CAPCUT_MATE_DATABASE_URL": pg_url}).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            moved = client.get(f"{V1}/get_draft", params={"draft_id": draft_id}).json()
            tail = f"/files/drafts/{draft_id}/"
            assert [u.split(tail)[1] for u in moved["files"]] == [u.split(tail)[1] for u in listing["files"]]
            content = next(u for u in moved["files"] if u.endswith("/draft_content.json"))
            paths = [m["path"] for m in client.get(content, follow_redirects=True).json()["materials"]["videos"]]
            assert all(p.startswith("##_draftpath_placeholder_") for p in paths), paths
            cluster_url = f"{server.base_url}{V1}/get_draft?draft_id={draft_id}"
            post(client, "add_captions", {"draft_url": cluster_url, "captions": json.dumps(
                [{"text": "moved", "start": 0, "end": 1_000_000}])})  # fmt: skip
            post(client, "gen_video", {"draft_url": cluster_url})
            done = poll(client, cluster_url)[-1]
            assert done["status"] == "completed", done
            assert httpx.get(done["video_url"]).status_code == 200
    finally:
        server.stop()
