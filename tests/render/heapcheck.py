"""glibc's heap checks for every ffmpeg a render test starts, so latent heap corruption fails loudly.

MALLOC_CHECK_=3 makes glibc abort on the first inconsistency it sees instead of carrying on (one run in
eight crashed before); since glibc 2.34 it only works with libc_malloc_debug preloaded, so that is added
where the system has it. MALLOC_PERTURB_ fills freed and new memory with a byte, so a read of stale memory
draws garbage instead of the value that happened to be there; the byte is random per run and reported.
"""

from __future__ import annotations

import random
from pathlib import Path

DEBUG_MALLOC = "libc_malloc_debug.so.0"
LIBRARY_DIRS = (Path("/lib/x86_64-linux-gnu"), Path("/usr/lib/x86_64-linux-gnu"), Path("/lib64"), Path("/usr/lib64"))
PERTURB = random.randint(1, 255)  # one byte per test session, printed with each test that uses it


def heap_check_env() -> dict[str, str]:
    """The environment variables that turn glibc's heap checks on for child processes."""
    env = {"MALLOC_CHECK_": "3", "MALLOC_PERTURB_": str(PERTURB)}
    if any((folder / DEBUG_MALLOC).exists() for folder in LIBRARY_DIRS):
        env["LD_PRELOAD"] = DEBUG_MALLOC
    return env
