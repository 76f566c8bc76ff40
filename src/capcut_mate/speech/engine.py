"""The one interface every TTS engine implements, and the errors they share.

An engine turns (text, voice, rate) into the bytes of an audio file. `identity` names everything that
changes the sound besides those three (the server and model of an HTTP engine), so the cache never hands
out one server's voice for another's. Errors are ApiErrors: an unknown voice is the client's 400 naming the
voices there are, an engine that cannot be reached or fails is a 503 with the engine's own message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from capcut_mate.errors import ApiError, clip


class Engine(Protocol):
    name: str

    @property
    def identity(self) -> str:
        """The engine and whatever else shapes its sound (server, model): part of the cache key."""
        ...

    def check_voice(self, voice: str) -> None:
        """Raise TTS_VOICE_UNKNOWN (`unknown_voice`) when the engine has no such voice and can say so."""
        ...

    def default_voice(self, text: str) -> str:
        """The voice for `text` when the request names none."""
        ...

    def synthesize(self, text: str, voice: str, rate: float) -> bytes:
        """The audio file of `text` said by `voice` at `rate` × the normal speed."""
        ...


def unknown_voice(engine: str, voice: str, available: Sequence[str], hint: str = "") -> ApiError:
    """400 TTS_VOICE_UNKNOWN naming the voices there are (also as `available_voices` beside the details)."""
    return ApiError(
        "TTS_VOICE_UNKNOWN",
        f"voice: {clip(voice, 60)!r} is not a voice of the {engine} engine{hint}; available: " + ", ".join(available),
        extra={"available_voices": list(available)},
    )


def unavailable(engine: str, message: str) -> ApiError:
    """503 TTS_UNAVAILABLE quoting what the engine said."""
    return ApiError("TTS_UNAVAILABLE", f"{engine}: {clip(message, 300)}")
