"""Fixtures of the render tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.render.heapcheck import heap_check_env


@pytest.fixture
def heap_checked(monkeypatch: pytest.MonkeyPatch, record_property: Callable[[str, object], None]) -> dict[str, str]:
    """Every ffmpeg this test starts runs with glibc's heap checks (heapcheck.py); pytest itself does not."""
    env = heap_check_env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    record_property("MALLOC_PERTURB_", env["MALLOC_PERTURB_"])
    return env
