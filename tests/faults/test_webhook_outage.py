"""A webhook receiver down for two minutes: the callback is retried with back-off through the outage and
a restart of the server (the outbox is durable), its state is visible meanwhile, and it arrives once the
receiver is back. Real server process, real receiver on loopback, a real render."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults.conftest import data_dir
from tests.jobs.helpers import SEED_FIELDS, V1, build_draft, poll, post, status
from tests.jobs.test_durability import wait_for
from tests.servers import ServerProcess, free_port

pytestmark = pytest.mark.slow

RECEIVER_DOWN_S = 120


@contextmanager
def receiver_on(port: int) -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


def test_a_receiver_down_for_two_minutes_gets_its_callback(media_url: str, tmp_path: Path) -> None:
    env = {"CAPCUT_MATE_CALLBACK_RETRY_BASE": "1", "CAPCUT_MATE_CALLBACK_RETRY_CAP": "15"}
    server = ServerProcess(data_dir(tmp_path, "api"), extra_env=env).start()
    hook_port = free_port()  # nothing listens there until the receiver comes back
    hook = f"http://127.0.0.1:{hook_port}/hook"
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            draft_url = build_draft(client, media_url)
            post(client, "gen_video", {"draft_url": draft_url, "callback_url": hook})
            final = poll(client, draft_url)[-1]
            assert final["status"] == "completed", final
            down_since = time.monotonic()

            def delivery() -> dict[str, Any]:
                return status(client, draft_url)["callback_delivery"] or {}

            wait_for(lambda: delivery().get("attempts", 0) >= 3, timeout=60)
            waiting = delivery()
            assert waiting["state"] == "pending" and waiting["last_error"] == "no answer", waiting
            assert waiting["next_attempt_at"] and waiting["finished_at"] is None

        server.kill()  # the server dies mid-retry; the next one on the data dir takes the outbox row up
        server.start()
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            time.sleep(max(0.0, RECEIVER_DOWN_S - (time.monotonic() - down_since)))
            retried = delivery_of(client, draft_url)
            assert retried["state"] == "pending" and retried["attempts"] > 5, retried  # past the old limit of 5
            with receiver_on(hook_port) as received:
                wait_for(lambda: delivery_of(client, draft_url)["state"] == "delivered", timeout=60)
            done = delivery_of(client, draft_url)
            print("callback:", done)
            assert done["attempts"] > retried["attempts"] and done["next_attempt_at"] is None
            assert received and received[0] == {key: final[key] for key in SEED_FIELDS}
            report = client.get(f"{V1}/gen_video_report", params={"draft_url": draft_url}).json()
            assert report["callback_delivery"] == done
            assert [e["note"] for e in report["events"] if "callback" in e["note"]] == [
                f"callback delivered to {hook} (HTTP 200)"
            ]
    finally:
        server.stop()


def delivery_of(client: httpx.Client, draft_url: str) -> dict[str, Any]:
    return status(client, draft_url)["callback_delivery"]
