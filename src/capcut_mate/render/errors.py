"""The one exception the renderer raises: a stable code plus an English message that says what to fix."""

from __future__ import annotations


class RenderError(Exception):
    """A render that cannot go on. `code` is stable (callers map it); `message` is for humans."""

    def __init__(self, code: str, message: str, debug: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.debug = debug or {}  # for the maintainer: e.g. the filter graph ffmpeg refused
