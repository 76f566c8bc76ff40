"""Callback delivery: pinned to the address it checked, durable across a SIGKILL, signed, and quiet about
the network when it fails. Real receivers on loopback, a real SQLite outbox, a real child process."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.config import Settings
from capcut_mate.drafts.ids import new_draft_id
from capcut_mate.jobs.callbacks import DELIVERY_HEADER, SIGNATURE_HEADER, CallbackSender
from capcut_mate.media.urlpolicy import check_url
from capcut_mate.persistence.sqlite import SqliteConnector
from capcut_mate.persistence.tasks import TaskStore
from tests.servers import free_port

PAYLOAD = {"draft_url": "http://x/get_draft?draft_id=1", "status": "completed", "progress": 100}


@dataclass
class Receiver:
    url: str
    port: int
    healthy: threading.Event
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    got: threading.Event = field(default_factory=threading.Event)


@contextmanager
def receiver(healthy: bool = True) -> Iterator[Receiver]:
    """A loopback endpoint recording every POST; answers 503 until `healthy` is set."""
    state = threading.Event()
    if healthy:
        state.set()
    posts: list[tuple[dict[str, str], bytes]] = []
    got = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            ok = state.is_set()
            self.send_response(200 if ok else 503)
            self.send_header("content-length", "0")
            self.end_headers()
            if ok:
                posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                got.set()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        yield Receiver(f"http://127.0.0.1:{port}/hook", port, state, posts, got)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def store(tmp_path: Path) -> TaskStore:
    db = SqliteConnector(tmp_path / "data" / "capcut_mate.sqlite3")
    db.migrate()
    return TaskStore(db)


def new_task(store: TaskStore, callback_url: str) -> str:
    task, _ = store.submit(new_draft_id(), "http://x/get_draft", callback_url, 100)
    return task.task_id


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def callback_notes(store: TaskStore, task_id: str) -> list[str]:
    return [e["note"] for e in store.events(task_id) if "callback" in e["note"]]


def test_a_host_that_rebinds_to_loopback_after_submit_gets_nothing(
    store: TaskStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Public when gen_video checks it, 127.0.0.1 when the callback is delivered: the POST must not go out."""
    real = socket.getaddrinfo
    answers = {"n": 0}

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "hooks.rebind.test":
            return real(host, port, *args, **kwargs)
        answers["n"] += 1
        address = "93.184.216.34" if answers["n"] == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with receiver() as hook:
        url = f"http://hooks.rebind.test:{hook.port}/hook"
        check_url(url, allow_private=False)  # what gen_video checks at submit: a public address
        task_id = new_task(store, url)
        sender = CallbackSender(store, allow_private=False, base_s=0.01)
        try:
            sender.send(task_id, url, PAYLOAD)
            assert wait_for(lambda: bool(callback_notes(store, task_id)))
        finally:
            sender.close()
        assert hook.posts == []
        assert callback_notes(store, task_id) == [
            f"callback to {url} not delivered after 1 attempt (its address is not allowed)"
        ]


def test_a_failed_delivery_says_nothing_about_the_network(store: TaskStore) -> None:
    port = free_port()  # nothing listens there: "connection refused" would tell a port scanner a lot
    url = f"http://127.0.0.1:{port}/hook"
    task_id = new_task(store, url)
    sender = CallbackSender(store, allow_private=True, base_s=0.01, max_age_s=0)  # no time for a retry
    try:
        sender.send(task_id, url, PAYLOAD)
        assert wait_for(lambda: bool(callback_notes(store, task_id)))
    finally:
        sender.close()
    (note,) = callback_notes(store, task_id)
    assert note == f"callback to {url} not delivered after 1 attempt (last: no answer)"
    assert sender.pending() == 0
    state = store.outbox().state(task_id)
    assert state is not None and state["state"] == "failed" and state["last_error"] == "no answer"


def test_callbacks_are_signed_with_the_configured_secret(store: TaskStore, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True, callback_secret="whsec_test")
    with receiver() as hook:
        task_id = new_task(store, hook.url)
        sender = CallbackSender.for_settings(store, settings)
        try:
            sender.send(task_id, hook.url, PAYLOAD)
            assert hook.got.wait(30)
        finally:
            sender.close()
    headers, body = hook.posts[0]
    assert json.loads(body) == PAYLOAD and headers[DELIVERY_HEADER.lower()]
    parts = dict(item.split("=", 1) for item in headers[SIGNATURE_HEADER.lower()].split(","))
    expected = hmac.new(b"whsec_test", parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert abs(int(parts["t"]) - time.time()) < 300
    assert wait_for(lambda: bool(callback_notes(store, task_id)))
    assert callback_notes(store, task_id) == [f"callback delivered to {hook.url} (HTTP 200)"]


CHILD = """
import os, signal, sys, time
from pathlib import Path
from capcut_mate.jobs.callbacks import CallbackSender
from capcut_mate.persistence.sqlite import SqliteConnector
from capcut_mate.persistence.tasks import TaskStore

db_path, task_id, url = sys.argv[1:4]
store = TaskStore(SqliteConnector(Path(db_path)))
sender = CallbackSender(store, allow_private=True, base_s=0.05, cap_s=0.05, timeout_s=1.0)
sender.send(task_id, url, {"status": "completed", "progress": 100})
while True:
    with store.db.read() as conn:
        attempts = conn.raw.execute("SELECT MAX(attempts) AS n FROM callback_outbox").fetchone()["n"] or 0
    if attempts >= 2:  # it has failed at least once and is between retries: die now, mid-retry
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)
"""


def test_a_delivery_in_flight_survives_a_sigkill(store: TaskStore) -> None:
    with receiver(healthy=False) as hook:
        task_id = new_task(store, hook.url)
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(store.db.path), task_id, hook.url], capture_output=True, timeout=120
        )
        assert child.returncode == -signal.SIGKILL, child.stderr.decode()
        assert hook.posts == [] and callback_notes(store, task_id) == []
        hook.healthy.set()
        sender = CallbackSender(store, allow_private=True)  # the next process on the same data dir
        try:
            assert hook.got.wait(60), "the outbox row was not picked up after the restart"
            assert wait_for(lambda: bool(callback_notes(store, task_id)))
        finally:
            sender.close()
    assert [json.loads(body) for _, body in hook.posts] == [{"status": "completed", "progress": 100}]
    assert callback_notes(store, task_id) == [f"callback delivered to {hook.url} (HTTP 200)"]
    assert sender.pending() == 0


@given(
    base=st.floats(0.01, 100),
    cap=st.floats(0.01, 100_000),
    attempt=st.integers(1, 10_000),
)
def test_the_back_off_doubles_with_jitter_up_to_the_cap(base: float, cap: float, attempt: int) -> None:
    sender = CallbackSender.__new__(CallbackSender)  # _delay reads only these; no dispatcher thread needed
    sender.base_s, sender.cap_s = base, cap
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 60))
    assert 0.5 * ceiling <= sender._delay(attempt) <= ceiling


def test_a_receiver_down_past_the_old_five_attempts_still_gets_its_callback(store: TaskStore) -> None:
    """Retried with back-off well past five attempts (the old limit); the state says so meanwhile."""
    with receiver(healthy=False) as hook:
        task_id = new_task(store, hook.url)
        sender = CallbackSender(store, allow_private=True, base_s=0.01, cap_s=0.05, timeout_s=2.0)
        try:
            sender.send(task_id, hook.url, PAYLOAD)

            def attempts() -> int:
                state = store.outbox().state(task_id)
                return state["attempts"] if state else 0

            assert wait_for(lambda: attempts() >= 8)
            waiting = store.outbox().state(task_id)
            assert waiting is not None and waiting["state"] == "pending" and waiting["last_error"] == "HTTP 503"
            assert waiting["next_attempt_at"] and waiting["finished_at"] is None
            assert callback_notes(store, task_id) == []
            hook.healthy.set()
            assert hook.got.wait(30)
            assert wait_for(lambda: bool(callback_notes(store, task_id)))
        finally:
            sender.close()
    delivered = store.outbox().state(task_id)
    assert delivered is not None and delivered["state"] == "delivered" and delivered["attempts"] >= 8
    assert callback_notes(store, task_id) == [f"callback delivered to {hook.url} (HTTP 200)"]
    assert [json.loads(body) for _, body in hook.posts] == [PAYLOAD]


def test_redeliver_sends_a_failed_callback_again(store: TaskStore) -> None:
    with receiver(healthy=False) as hook:
        task_id = new_task(store, hook.url)
        sender = CallbackSender(store, allow_private=True, base_s=0.01, max_age_s=0)
        try:
            sender.send(task_id, hook.url, PAYLOAD)
            assert wait_for(lambda: (store.outbox().state(task_id) or {}).get("state") == "failed")
            hook.healthy.set()
            assert store.outbox().redeliver(task_id)
            assert hook.got.wait(30)
            assert wait_for(lambda: (store.outbox().state(task_id) or {}).get("state") == "delivered")
        finally:
            sender.close()
    assert [json.loads(body) for _, body in hook.posts] == [PAYLOAD]
    assert not store.outbox().redeliver(new_task(store, hook.url)), "nothing to send again before the task ends"


def test_an_outbox_from_before_delivery_states_gets_them(tmp_path: Path) -> None:
    """A data dir of the previous version: its waiting delivery is still sent, and now has a state."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE callback_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL,"
            " url TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL,"
            " created_at TEXT NOT NULL)"
        )
        conn.execute(
            "INSERT INTO callback_outbox (task_id, url, body, attempts, next_at, created_at)"
            " VALUES ('t1', 'http://x/hook', '{}', 2, 0, '2026-01-01T00:00:00.000Z')"
        )
    db = SqliteConnector(path)
    assert db.migrate() == [
        "capcut-mate tables created",
        "callback_outbox.state added",
        "callback_outbox.last_error added",
        "callback_outbox.finished_at added",
    ]
    store = TaskStore(db)
    state = store.outbox().state("t1")
    assert state is not None and state["state"] == "pending" and state["attempts"] == 2
    assert store.outbox().pending() == 1
    assert SqliteConnector(path).migrate() == []  # a second start finds the columns there
