"""glibc's heap checks for every ffmpeg a render test starts, so latent heap corruption fails loudly.

MALLOC_CHECK_=3 asks glibc to abort on the first inconsistency it sees instead of carrying on; MALLOC_PERTURB_
fills freed and new memory with a byte, so a read of stale memory draws garbage instead of the value that
happened to be there (the byte is random per test session and recorded with each test). glibc's own checks
on free (the "corrupted size vs. prev_size" aborts of issue 21) stay on in any case.

Since glibc 2.34 MALLOC_CHECK_ acts only with libc_malloc_debug.so preloaded. That is deliberately not done:
with it, ffmpeg's threads (x264 and the decoders) deadlock now and then inside the debug allocator — measured
on one generated draft, 2 hangs in 6 runs with the old renderer and 1 in 4 with the new, none in 8 runs
without the preload — which would turn the property tests into flaky stalls rather than loud failures.
"""

from __future__ import annotations

import random

PERTURB = random.randint(1, 255)  # one byte per test session


def heap_check_env() -> dict[str, str]:
    """The environment variables that turn glibc's heap checks on for child processes."""
    return {"MALLOC_CHECK_": "3", "MALLOC_PERTURB_": str(PERTURB)}
