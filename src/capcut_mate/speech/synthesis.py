"""Narration speech: pick the engine, synthesise each sentence once (cached on disk), measure its voice.

The cache key is (engine identity, voice, rate, text): the same sentence asked again is not synthesised
again, which also makes a retried add_narration cheap. Entries are files named by the key's SHA-256 under
`<data dir>/speech-cache`, written to a temporary name and renamed, so a crash never leaves half a file.
Sentences are synthesised a few at a time, before the draft is locked (as media downloads are).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from capcut_mate.config import Settings
from capcut_mate.errors import ApiError, clip
from capcut_mate.media.fetch import FetchedMedia
from capcut_mate.media.probe import MediaInfo, probe
from capcut_mate.speech.engine import Engine
from capcut_mate.speech.espeak import EspeakEngine
from capcut_mate.speech.openai import OpenAIEngine
from capcut_mate.speech.text import Word, split_words
from capcut_mate.speech.voiced import VoicedSpan, estimate_word_times, voiced_span

ENGINES = ("espeak", "openai")
PARALLEL_SYNTHESES = 4


def engine_for(name: str | None, settings: Settings) -> Engine:
    """The engine `name` (or CAPCUT_MATE_TTS_ENGINE); 400 TTS_ENGINE_UNKNOWN naming those configured."""
    chosen = (name or settings.tts_engine).strip().lower()
    configured = [engine for engine in ENGINES if engine != "openai" or settings.tts_url]
    if chosen == "espeak":
        return EspeakEngine()
    if chosen == "openai" and settings.tts_url:
        return OpenAIEngine(
            settings.tts_url, api_key=settings.tts_api_key, model=settings.tts_model, voice=settings.tts_voice,
            timeout=settings.tts_timeout,
        )  # fmt: skip
    hint = " (openai needs CAPCUT_MATE_TTS_URL on the server)" if chosen == "openai" else ""
    raise ApiError(
        "TTS_ENGINE_UNKNOWN",
        f"engine: {clip(chosen, 40)!r} is not available{hint}; available: {', '.join(configured)}",
        extra={"available_engines": configured},
    )


@dataclass(frozen=True)
class SpokenSentence:
    """One sentence as said: its audio file (as the draft will store it), the voiced span, and word times
    (µs in the file, inside the span)."""

    text: str
    media: FetchedMedia
    voiced: VoicedSpan
    words: list[Word]
    word_times: list[tuple[int, int]]


class Speaker:
    """Says sentences with one engine, voice and rate, through the cache in `cache_dir`.

    A voice the request names is checked with the engine first, before anything is synthesised."""

    def __init__(self, engine: Engine, voice: str | None, rate: float, cache_dir: Path) -> None:
        self.engine = engine
        self.voice = voice
        self.rate = rate
        self.cache_dir = cache_dir
        if voice is not None:
            engine.check_voice(voice)

    def say(self, sentences: Sequence[str]) -> list[SpokenSentence]:
        with ThreadPoolExecutor(max_workers=min(PARALLEL_SYNTHESES, max(1, len(sentences)))) as pool:
            return list(pool.map(self._say, range(len(sentences)), sentences))

    def _say(self, index: int, text: str) -> SpokenSentence:
        voice = self.voice or self.engine.default_voice(text)
        label = f"{self.engine.name} sentence {index + 1}"
        path, info = self._audio(text, voice, label)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        url = f"{self.engine.name}/sentence-{index + 1}{info.suffix}"  # the draft names the file after it
        media = FetchedMedia(url=url, path=path, suffix=info.suffix, info=info, sha256=digest)
        span = voiced_span(path)
        words = split_words(text)
        return SpokenSentence(text, media, span, words, estimate_word_times(words, span.start, span.end))

    def _audio(self, text: str, voice: str, label: str) -> tuple[Path, MediaInfo]:
        """The cached audio of `text` (synthesised now if missing) and its probe; only audio is cached."""
        key = json.dumps([self.engine.identity, voice, self.rate, text], ensure_ascii=False)
        path = self.cache_dir / hashlib.sha256(key.encode()).hexdigest()
        if path.exists():
            return path, probe(path, source=label)
        data = self.engine.synthesize(text, voice, self.rate)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.cache_dir, prefix=".part-")
        temporary = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            info = probe(temporary, source=label)
            if info.kind != "audio" or not info.has_audio:
                raise ApiError("TTS_UNAVAILABLE", f"{label}: the {self.engine.name} engine answered without audio")
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        return path, info
