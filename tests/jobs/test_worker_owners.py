"""Leases of dead owners on this host are released at once (no wait for the lease to run out)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from capcut_mate.config import Settings
from capcut_mate.services import Services


def test_maintenance_requeues_tasks_of_dead_and_replaced_owners(settings: Settings) -> None:
    svc = Services.from_settings(settings)
    pool = svc.worker_pool(count=1)
    pool.render_root.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    owners = {
        "gone": f"{host}:{gone.pid}:deadbeef-0",
        "our pid, an earlier process": f"{host}:{os.getpid()}:0ldt0ken-0",
        "alive": f"{host}:{os.getppid()}:cafe0000-0",
        "other host": f"elsewhere:{gone.pid}:cafe0000-0",
    }
    tasks = {}
    for n, (label, owner) in enumerate(owners.items()):
        task, _ = svc.tasks.submit(f"20250101000000{n:016x}", "u", None, 10)
        assert svc.tasks.claim(owner, 3600).task_id == task.task_id
        tasks[label] = task.task_id
    pool.housekeeping.sweep()
    claimed = set()
    while (task := svc.tasks.claim("next", 30)) is not None:
        claimed.add(task.task_id)
    assert claimed == {tasks["gone"], tasks["our pid, an earlier process"]}
