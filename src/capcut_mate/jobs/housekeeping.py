"""What a worker pool tidies while it runs: the leases of dead owners, stale scratch, expired tasks.

Every owner of a lease is named `host:pid:token-n` after the pool that took it (`Identity`), so a pool can
tell, on its own host, an owner whose process is gone, or one claiming this pool's pid with another token
(a restarted container often gets the same pid). Their tasks (and, in cluster mode, chunks) are made
claimable at once, so a restarted server resumes its tasks without waiting for the leases to run out.
Owners on other hosts are left to their leases. Also: render folders no running task owns, dead unit jobs'
folders and the farm's orphaned scratch are removed, and finished tasks past the retention are pruned.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from capcut_mate.jobs.outcomes import cover_key
from capcut_mate.persistence.tasks import TaskStore
from capcut_mate.storage import Storage

if TYPE_CHECKING:
    from capcut_mate.jobs.farm import RenderFarm

log = logging.getLogger(__name__)

MAINTENANCE_S = 5.0
PRUNE_EVERY_S = 3600.0


@dataclass(frozen=True)
class Identity:
    """`host:pid:token` of one pool; its lease owners are this plus `-<n>`."""

    host: str = field(default_factory=socket.gethostname)
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def __str__(self) -> str:
        return f"{self.host}:{os.getpid()}:{self.token}"

    def owner_is_dead(self, owner: str) -> bool:
        """An owner on this host whose process is gone, or one claiming our pid with another token."""
        host, pid_text, token = [*owner.split(":"), "", ""][:3]
        if host != self.host or not pid_text.isdigit():
            return False
        if int(pid_text) == os.getpid():
            return not token.startswith(f"{self.token}-")
        return not _pid_alive(int(pid_text))


class Housekeeping:
    """One sweep at start (`sweep`), then one every MAINTENANCE_S on a thread of its own until stopped."""

    def __init__(
        self,
        identity: Identity,
        tasks: TaskStore,
        storage: Storage,
        render_root: Path,
        units_root: Path,
        retention_days: float,
        farm: RenderFarm | None,
    ) -> None:
        self.identity, self.tasks, self.storage, self.farm = identity, tasks, storage, farm
        self.render_root, self.units_root, self.retention_days = render_root, units_root, retention_days
        self._last_prune = float("-inf")

    def start(self, stop: threading.Event) -> threading.Thread:
        self.sweep()
        thread = threading.Thread(target=self._loop, args=(stop,), daemon=True, name="render-maintenance")
        thread.start()
        return thread

    def _loop(self, stop: threading.Event) -> None:
        while not stop.wait(MAINTENANCE_S):
            try:
                self.sweep()
            except Exception:
                log.exception("render maintenance failed")

    def sweep(self) -> None:
        for owner in self.tasks.processing_owners():
            if self.identity.owner_is_dead(owner) and self.tasks.expire_owner(owner):
                log.info("the render tasks of %s, which is gone, are claimable again", owner)
        stale = [path for path in self.render_root.iterdir() if path.is_dir()]
        if stale:
            running = self.tasks.processing_ids()
            for path in stale:
                if path.name not in running:
                    shutil.rmtree(path, ignore_errors=True)
        if self.farm is not None:
            self._sweep_farm(self.farm)
        if time.monotonic() - self._last_prune > PRUNE_EVERY_S:
            self._last_prune = time.monotonic()
            for relative in self.tasks.prune(self.retention_days):
                self.storage.delete(f"outputs/{relative}")
                self.storage.delete(cover_key(relative))  # none unless gen_video asked for a cover

    def _sweep_farm(self, farm: RenderFarm) -> None:
        """Chunks held by dead processes on this host are claimable at once; the scratch of renders that
        ended without cleaning up (their parent died for good) goes; so do dead unit jobs' folders."""
        for owner in farm.chunks.running_owners():
            if self.identity.owner_is_dead(owner) and farm.chunks.release_owner(owner):
                log.info("the chunks %s was rendering, which is gone, are claimable again", owner)
        for task_id in farm.chunks.orphans():
            farm.clean(task_id)
        if self.units_root.is_dir():
            for path in self.units_root.iterdir():
                pid, _, rest = path.name.partition("-")
                if self.identity.owner_is_dead(f"{self.identity.host}:{pid}:{rest}"):
                    shutil.rmtree(path, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
