"""Small disks for tests of what happens when one fills up: a tmpfs mounted for one test (root only, as
in CI) and a filler that leaves a chosen number of bytes free."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def tmpfs(mount_point: Path, size_mb: int) -> Iterator[Path]:
    """A `size_mb` MB tmpfs at `mount_point`, unmounted (lazily, in case a server still holds a file) after."""
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(path: Path, leave: int) -> None:
    """Write zeros into `path` until only `leave` bytes are free: less than the next write will need."""
    with open(path, "wb") as handle:
        while True:
            stat = os.statvfs(path.parent)
            free = stat.f_bavail * stat.f_frsize
            if free <= leave:
                return
            handle.write(b"\0" * min(1 << 16, free - leave))
            handle.flush()
