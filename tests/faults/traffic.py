"""Clients that keep working while a fault is injected, and remember every answer they got.

An editor adds captions (or images) to a draft in a loop and keeps the segment ids of the edits that were
acknowledged (200); a poller asks gen_video_status for the renders. Every answer is kept as
(operation, HTTP status, error code, Retry-After), so a test can say what clients saw during the outage.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.jobs.helpers import V1

UNAVAILABLE_CODES = {"DATABASE_UNAVAILABLE", "STORAGE_UNAVAILABLE"}


@dataclass(frozen=True)
class Answer:
    operation: str
    status: int  # 0: no HTTP answer (the connection failed)
    code: str
    retry_after: str | None
    seconds: float


@dataclass
class Traffic:
    client: httpx.Client
    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # segment ids of edits answered 200
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # draft_url -> 200 bodies
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, method: str, operation: str, **kwargs: Any) -> dict[str, Any] | None:
        """One request, remembered; the body when it was answered 200, else None."""
        started = time.monotonic()
        try:
            response = self.client.request(method, f"{V1}/{operation}" if "/" not in operation else operation, **kwargs)
        except httpx.TransportError:
            self._keep(Answer(operation, 0, "", None, time.monotonic() - started))
            return None
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        code = body.get("error", {}).get("code", "") if isinstance(body, dict) else ""
        self._keep(Answer(operation, response.status_code, code, response.headers.get("retry-after"),
                          time.monotonic() - started))  # fmt: skip
        return body if response.status_code == 200 else None

    def _keep(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)

    def edit_captions(self, draft_url: str) -> None:
        self._loop(lambda n: self._caption(draft_url, n))

    def edit_images(self, draft_url: str, image_url: str) -> None:
        self._loop(lambda n: self._image(draft_url, image_url, n))

    def poll(self, draft_urls: list[str]) -> None:
        for url in draft_urls:
            self.statuses[url] = []

        def once(_: int) -> None:
            for url in draft_urls:
                body = self.call("POST", "gen_video_status", json={"draft_url": url})
                if body is not None:
                    self.statuses[url].append(body)

        self._loop(once)

    def _caption(self, draft_url: str, n: int) -> None:
        caption = {"text": f"第{n}句", "start": n * 100_000, "end": (n + 1) * 100_000}
        body = self.call("POST", "add_captions", json={"draft_url": draft_url, "captions": json.dumps([caption])})
        if body is not None:
            self.acknowledged.extend(body["segment_ids"])

    def _image(self, draft_url: str, image_url: str, n: int) -> None:
        image = {"image_url": image_url, "start": n * 100_000, "end": (n + 1) * 100_000}
        body = self.call("POST", "add_images", json={"draft_url": draft_url, "image_infos": json.dumps([image])})
        if body is not None:
            self.acknowledged.extend(body["segment_ids"])

    def _loop(self, step: Any) -> None:
        def run() -> None:
            n = 0
            while not self._stop.is_set():
                step(n)
                n += 1
                self._stop.wait(0.1)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(120)

    def seen(self, code: str) -> bool:
        with self._lock:
            return any(answer.code == code for answer in self.answers)

    def summary(self) -> Counter[tuple[int, str]]:
        """(status, code) -> how many answers: what clients saw."""
        with self._lock:
            return Counter((answer.status, answer.code) for answer in self.answers)

    def assert_no_server_errors(self) -> None:
        """Never a 500, never a dropped connection; every 503 names the dependency and says when to retry."""
        with self._lock:
            answers = list(self.answers)
        bad = [a for a in answers if a.status == 0 or (a.status >= 500 and a.status != 503)]
        assert not bad, bad[:5]
        for answer in answers:
            if answer.status == 503:
                assert answer.code in UNAVAILABLE_CODES and answer.retry_after, answer
