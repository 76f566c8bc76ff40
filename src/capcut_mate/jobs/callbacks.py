"""POST a task's final status fields to its callback_url, retried with back-off, off the render path.

Delivery runs on its own small thread pool, so a slow or dead receiver never holds up a render; each
outcome is written to the task's history. Delivery is best effort: a process that dies mid-retry drops it.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from capcut_mate.jobs.store import TaskStore

log = logging.getLogger(__name__)


class CallbackSender:
    def __init__(
        self, store: TaskStore, attempts: int = 5, first_delay_s: float = 1.0, timeout_s: float = 10.0
    ) -> None:
        self.store = store
        self.attempts = attempts
        self.first_delay_s = first_delay_s
        self.timeout_s = timeout_s
        self._closed = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="render-callback")

    def send(self, task_id: str, url: str, payload: dict[str, Any]) -> None:
        self._pool.submit(self._deliver, task_id, url, payload)

    def close(self) -> None:
        """Stop waiting between retries: each queued delivery still gets its current attempt."""
        self._closed.set()
        self._pool.shutdown(wait=False)

    def _deliver(self, task_id: str, url: str, payload: dict[str, Any]) -> None:
        last = ""
        for attempt in range(self.attempts):
            if attempt and self._closed.wait(self.first_delay_s * 2 ** (attempt - 1)):
                break
            try:
                response = httpx.post(url, json=payload, timeout=self.timeout_s)
                if response.is_success:
                    self._note(task_id, f"callback delivered to {url} (HTTP {response.status_code})")
                    return
                last = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
        self._note(task_id, f"callback to {url} failed after {attempt + 1} attempts: {last}")

    def _note(self, task_id: str, note: str) -> None:
        try:
            self.store.note(task_id, note)
        except Exception:
            log.exception("recording a callback outcome for task %s failed", task_id)
