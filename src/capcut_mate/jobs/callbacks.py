"""POST a task's final status fields to its callback_url: durable, retried, signed, and only to public hosts.

`send` writes the delivery to an outbox table in the task store's database (the SQLite file, or
PostgreSQL in cluster mode: persistence/outbox.py) before anything is sent, so a process that dies mid-retry
loses nothing: whichever server or worker process runs next, on any machine, picks the row up
(at-least-once; a receiver dedupes on the `X-CapCut-Mate-Delivery` header). A claim pushes the row's
`next_at` past the attempt's time budget, which is also its lease across processes. Delivery runs on its
own small thread pool, so a slow or dead receiver never holds up a render.

A receiver that is down is retried with exponential back-off and jitter (CAPCUT_MATE_CALLBACK_RETRY_BASE,
doubling up to CAPCUT_MATE_CALLBACK_RETRY_CAP) for CAPCUT_MATE_CALLBACK_MAX_AGE (24 h by default); only then,
or when its address is refused, is the delivery marked failed. Its state stays in the outbox for
gen_video_status to show, and redeliver_callback sends it again.

Each POST is signed as Stripe-style receivers expect when CAPCUT_MATE_CALLBACK_SECRET is set:
`X-CapCut-Mate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

Connections go through the URL policy's guarded client: the receiver's address is checked when the
socket is opened and the check's address is the one connected to, so DNS that changes after submit
(rebinding) cannot aim the POST at an internal service. The task history says whether a delivery
worked, never why a connection failed: error text would make an internal port-scan oracle.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from capcut_mate.config import Settings
from capcut_mate.media.urlpolicy import UrlForbidden, guarded_client
from capcut_mate.persistence.outbox import DELIVERED, FAILED, Delivery
from capcut_mate.persistence.tasks import TaskStore
from capcut_mate.persistence.times import age_s

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-CapCut-Mate-Signature"
DELIVERY_HEADER = "X-CapCut-Mate-Delivery"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class CallbackSender:
    @classmethod
    def for_settings(cls, store: TaskStore, settings: Settings) -> CallbackSender:
        return cls(
            store,
            allow_private=settings.allow_private_urls,
            secret=settings.callback_secret,
            base_s=settings.callback_retry_base,
            cap_s=settings.callback_retry_cap,
            max_age_s=settings.callback_max_age,
        )

    def __init__(
        self,
        store: TaskStore,
        *,
        allow_private: bool = False,
        secret: str | None = None,
        base_s: float = 2.0,
        cap_s: float = 600.0,
        max_age_s: float = 24 * 3600.0,
        timeout_s: float = 10.0,
        poll_s: float = 1.0,
    ) -> None:
        self.store = store
        self.outbox = store.outbox()
        self.allow_private = allow_private
        self.secret = secret
        self.base_s = base_s
        self.cap_s = cap_s
        self.max_age_s = max_age_s
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self._closed = threading.Event()
        self._wake = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="render-callback")
        self._dispatcher = threading.Thread(target=self._dispatch, name="callback-outbox", daemon=True)
        self._dispatcher.start()

    def send(self, task_id: str, url: str, payload: dict[str, Any]) -> None:
        """Queue the delivery durably; it is attempted at once and retried with back-off."""
        self.outbox.add(task_id, url, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
        self._wake.set()

    def pending(self) -> int:
        """Deliveries still in the outbox (queued or between retries)."""
        return self.outbox.pending()

    def close(self) -> None:
        """Stop claiming; deliveries in flight get their current attempt, the rest wait in the outbox."""
        self._closed.set()
        self._wake.set()
        self._pool.shutdown(wait=False)

    def _dispatch(self) -> None:
        while not self._closed.is_set():
            self._wake.clear()  # before claiming: a send() from now on is never missed
            try:
                delivery = self.outbox.claim(self.timeout_s * 2, self._delay)  # held for the attempt's budget
            except Exception:
                log.exception("reading the callback outbox failed")
                delivery = None
            if delivery is None:
                self._wake.wait(self.poll_s)
                continue
            try:
                self._pool.submit(self._attempt, delivery)
            except RuntimeError:  # closed meanwhile: the row stays in the outbox for the next process
                return

    def _delay(self, attempt: int) -> float:
        """Exponential back-off with jitter: about base * 2^(attempt-1), capped, times 0.5..1 so that many
        deliveries failing together (a receiver that was down) do not all come back at the same moment."""
        return min(self.cap_s, self.base_s * 2.0 ** min(attempt - 1, 60)) * random.uniform(0.5, 1.0)

    def _attempt(self, delivery: Delivery) -> None:
        delivery_id, task_id, url, attempt = delivery.id, delivery.task_id, delivery.url, delivery.attempt
        outcome = self._post(delivery_id, url, delivery.body.encode("utf-8"))
        tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
        try:
            if outcome.startswith("HTTP 2"):
                self.outbox.finish(delivery_id, DELIVERED)
                self._note(task_id, f"callback delivered to {url} ({outcome})")
            elif outcome == "refused":
                self.outbox.finish(delivery_id, FAILED, outcome)
                self._note(task_id, f"callback to {url} not delivered after {tries} (its address is not allowed)")
            elif age_s(delivery.created_at) + self._delay(attempt) > self.max_age_s:
                self.outbox.finish(delivery_id, FAILED, outcome)
                self._note(task_id, f"callback to {url} not delivered after {tries} (last: {outcome})")
            else:
                self.outbox.retry_at(delivery_id, time.time() + self._delay(attempt), outcome)
        except Exception:  # the database is down: the claim's lease runs out and the attempt is made again
            log.exception("recording a callback outcome for task %s failed", task_id)

    def _post(self, delivery_id: int, url: str, body: bytes) -> str:
        """`HTTP <status>`, `refused` (URL policy) or `no answer`: nothing about the network beyond that."""
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: str(delivery_id)}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, body, int(time.time()))
        try:
            with guarded_client(self.allow_private, timeout=self.timeout_s) as client:
                return f"HTTP {client.post(url, content=body, headers=headers).status_code}"
        except UrlForbidden:
            return "refused"
        except (httpx.HTTPError, httpx.InvalidURL):
            return "no answer"

    def _note(self, task_id: str, note: str) -> None:
        try:
            self.store.note(task_id, note)
        except Exception:
            log.exception("recording a callback outcome for task %s failed", task_id)
