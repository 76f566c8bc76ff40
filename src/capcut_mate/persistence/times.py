"""The one timestamp format of the tables: ISO-8601 UTC with milliseconds and Z (the API's, and it sorts
as text). Lease deadlines are Unix seconds on the database's clock instead (`capcut_clock()` in SQL)."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def iso(at: float) -> str:
    """Unix time `at` as ISO-8601 UTC with milliseconds and Z."""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso(time.time())


def age_s(at_iso: str) -> float:
    """Seconds since a time written by `iso` / `now_iso`."""
    return time.time() - datetime.fromisoformat(at_iso.replace("Z", "+00:00")).timestamp()
