"""Following one running render: its events into the task record while a heartbeat keeps the task's lease.

Progress only moves forward (jobs/progress.py); a progress write that meets an outage is skipped and the
next one, PROGRESS_QUIET_S later, catches up. A render whose lease is lost (another worker took the task:
this one was presumed dead) is killed at once, by the heartbeat or by a progress write the store refused.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from capcut_mate.jobs import progress
from capcut_mate.jobs.protocol import Failure, Progress, Result, UnitJobsWanted
from capcut_mate.jobs.runner import RunningRender
from capcut_mate.outages import unavailable
from capcut_mate.persistence.tasks import Task, TaskStore

log = logging.getLogger(__name__)

PROGRESS_QUIET_S = 2.0


@dataclass
class Outcome:
    """What the render said: a report, or an error code and message (empty when it said nothing)."""

    report: dict[str, Any] | None = None
    code: str = ""
    message: str = ""
    debug: dict[str, Any] | None = None  # kept in the failed task's report for the maintainer
    returncode: int = 0
    lost: bool = False  # the lease was lost, or the pool stopped before the render ended
    log_tail: str = ""


def follow(
    render: RunningRender,
    task: Task,
    owner: str,
    tasks: TaskStore,
    lease_s: float,
    wake_unit_jobs: Callable[[int], None],
    stopping: threading.Event,
) -> Outcome:
    """Read the render to its end; the Outcome says how it ended."""
    outcome = Outcome()
    lost = threading.Event()
    done = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(render, task, owner, tasks, lease_s, lost, done), daemon=True)
    beat.start()
    current = task.progress
    quiet_until = 0.0  # after a progress write met an outage, the next waits this long
    try:
        for event in render.events():
            if isinstance(event, UnitJobsWanted):
                wake_unit_jobs(event.count)
            elif isinstance(event, Result):
                outcome.report = event.report
            elif isinstance(event, Failure):
                outcome.code, outcome.message, outcome.debug = event.code, event.message, event.debug or None
            elif isinstance(event, Progress):
                value = progress.stage_progress(event.stage, event.fraction)
                if value <= current or time.monotonic() < quiet_until:
                    continue
                try:
                    kept = tasks.advance(task.task_id, owner, value, progress.milestone_between(current, value))
                except Exception as exc:
                    if unavailable(exc) is None:
                        raise
                    log.warning("progress of task %s not written: %r", task.task_id, exc)
                    quiet_until = time.monotonic() + PROGRESS_QUIET_S  # the render goes on meanwhile
                    continue
                if not kept:
                    lost.set()
                    render.kill()
                    break
                current = value
        outcome.returncode = render.wait()
    finally:
        done.set()
        beat.join()
    outcome.lost = lost.is_set() or (stopping.is_set() and outcome.report is None and not outcome.code)
    if outcome.report is None and not outcome.code:
        outcome.log_tail = render.log_tail()
    return outcome


def _heartbeat(
    render: RunningRender,
    task: Task,
    owner: str,
    tasks: TaskStore,
    lease_s: float,
    lost: threading.Event,
    done: threading.Event,
) -> None:
    while not done.wait(lease_s / 3):
        try:
            if not tasks.renew(task.task_id, owner, lease_s):
                log.warning("lost the lease of task %s; stopping its render", task.task_id)
                lost.set()
                render.kill()
                return
        except Exception:
            log.exception("renewing the lease of task %s failed", task.task_id)
