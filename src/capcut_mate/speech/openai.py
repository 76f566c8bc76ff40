"""Any OpenAI-compatible speech server: `POST <base>/v1/audio/speech` with {model, input, voice, speed,
response_format}. That is the protocol of OpenAI itself and of self-hosted Kokoro-FastAPI and Piper servers.

`CAPCUT_MATE_TTS_URL` is the server's base (`http://127.0.0.1:8880`) or its `/v1` base, as OpenAI clients
take it. Voices are checked against `GET <base>/v1/audio/voices` where the server offers that list (Kokoro
does; OpenAI does not, and then the server judges the voice itself: its 4xx answer becomes our 400 with its
message). A server that cannot be reached, times out, refuses our key or fails is a 503 quoting it.
"""

from __future__ import annotations

from typing import Any

import httpx

from capcut_mate.errors import ApiError, clip
from capcut_mate.speech.engine import unavailable, unknown_voice

DEFAULT_VOICE = "alloy"


def api_base(url: str) -> str:
    """`.../v1` for a base given with or without it."""
    base = url.rstrip("/")
    return base if base.endswith("/v1") else f"{base}/v1"


def _message(response: httpx.Response) -> str:
    """The server's own words: an OpenAI error body's message, else the start of its text."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {clip(response.text, 200)}"
    detail = body
    if isinstance(body, dict):
        error = body.get("error")
        detail = error.get("message") if isinstance(error, dict) else error or body.get("detail") or body
    return f"HTTP {response.status_code}: {clip(detail, 200)}"


def _voice_names(body: Any) -> list[str] | None:
    """The names in a voice list: `{"voices": [...]}` or a bare list, of strings or {id|name|voice_id}."""
    items = body.get("voices") if isinstance(body, dict) else body
    if not isinstance(items, list):
        return None
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("id") or item.get("voice_id") or item.get("name")
        if isinstance(item, str) and item:
            names.append(item)
    return names


class OpenAIEngine:
    name = "openai"

    def __init__(self, url: str, *, api_key: str | None, model: str, voice: str | None, timeout: float) -> None:
        self.base = api_base(url)
        self.model = model
        self.voice = voice or DEFAULT_VOICE
        self.headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    @property
    def identity(self) -> str:
        return f"openai {self.base} {self.model}"

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return httpx.request(method, self.base + path, headers=self.headers, timeout=self.timeout, **kwargs)
        except httpx.HTTPError as exc:
            raise unavailable(self.name, f"{self.base}: {type(exc).__name__} {exc}") from exc

    def check_voice(self, voice: str) -> None:
        response = self._request("GET", "/audio/voices")
        if response.status_code in (404, 405, 501):
            return  # the server keeps no list: its answer to the speech request judges the voice
        if response.is_error:
            raise unavailable(self.name, _message(response))
        names = _voice_names(response.json())
        if names and voice not in names:
            raise unknown_voice(self.name, voice, names)

    def default_voice(self, text: str) -> str:
        return self.voice

    def synthesize(self, text: str, voice: str, rate: float) -> bytes:
        body = {"model": self.model, "input": text, "voice": voice, "speed": rate, "response_format": "wav"}
        response = self._request("POST", "/audio/speech", json=body)
        if response.status_code in (401, 403) or response.status_code >= 500 or response.status_code == 429:
            raise unavailable(self.name, _message(response))
        if response.is_error:
            raise ApiError("TTS_REJECTED", f"the {self.name} engine refused the request: {_message(response)}")
        return response.content
