"""ffconcat lists: both the graph (a still sequence read as one input) and the join of chunks write them."""

from __future__ import annotations

from pathlib import Path


def concat_path(path: Path) -> str:
    """An absolute path quoted for an ffconcat `file` line."""
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"
