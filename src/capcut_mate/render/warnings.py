"""The one place a render's approximations are gathered: the plan's, then each stage's, each said once.

Planning fills one (its findings travel in the plan, `Plan.warnings`); the render starts another from those,
hands it to prepare and the visibility check, folds in what chunks rendered elsewhere found, and builds the
report's list from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from capcut_mate.render.plan.model import RenderWarning


class Warnings:
    """RenderWarnings in the order first found; a repeat (a chunk finding what another did) is dropped."""

    def __init__(self, found: Iterable[RenderWarning] = ()) -> None:
        self._found: dict[RenderWarning, None] = dict.fromkeys(found)

    def add(self, segment_id: str, track: str, feature: str, message: str) -> None:
        self._found.setdefault(RenderWarning(segment_id, track, feature, message))

    def extend(self, found: Iterable[RenderWarning]) -> None:
        for warning in found:
            self._found.setdefault(warning)

    def __iter__(self) -> Iterator[RenderWarning]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)

    def report(self) -> list[dict[str, str]]:
        """The render report's `warnings`: {segment_id, track, feature, message} each."""
        return [warning.to_dict() for warning in self._found]
