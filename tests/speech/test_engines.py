"""The engines for real: espeak-ng on this machine, and the OpenAI protocol against a real speech server on
loopback (tests/servers.speech_server, which speaks with espeak-ng). The cache spares a second synthesis."""

from __future__ import annotations

from pathlib import Path

import pytest

from capcut_mate.config import Settings
from capcut_mate.errors import ApiError
from capcut_mate.speech.espeak import EspeakEngine
from capcut_mate.speech.synthesis import Speaker, engine_for
from capcut_mate.speech.voiced import voiced_span
from tests import servers


def error_of(call: object, *args: object) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_espeak_speaks_chinese_and_english_and_rate_changes_the_pace(tmp_path: Path) -> None:
    engine = EspeakEngine()
    assert engine.default_voice("你好") == "cmn" and engine.default_voice("hello") == "en"
    lengths = {}
    for rate in (0.5, 2.0):
        clip = tmp_path / f"{rate}.wav"
        clip.write_bytes(engine.synthesize("今天天气很好", "cmn", rate))
        span = voiced_span(clip)
        assert span.start < 100_000 < span.end  # speech right after the start
        lengths[rate] = span.length
    assert lengths[0.5] > 2 * lengths[2.0]


def test_espeak_voices_are_the_installed_ones_with_aliases_and_variants() -> None:
    engine = EspeakEngine()
    for voice in ("cmn", "zh", "en-us", "en", "yue", "en+f3"):
        engine.check_voice(voice)
    error = error_of(engine.check_voice, "klingon")
    assert (error.code, error.http_status) == ("TTS_VOICE_UNKNOWN", 400)
    assert "cmn" in error.extra["available_voices"] and "cmn" in error.details
    assert error_of(engine.check_voice, "en+nobody").code == "TTS_VOICE_UNKNOWN"


def test_unknown_and_unconfigured_engines_name_the_available_ones(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    error = error_of(engine_for, "festival", settings)
    assert (error.code, error.http_status, error.extra["available_engines"]) == ("TTS_ENGINE_UNKNOWN", 400, ["espeak"])
    assert "CAPCUT_MATE_TTS_URL" in error_of(engine_for, "openai", settings).details
    configured = settings.model_copy(update={"tts_url": "http://127.0.0.1:1"})
    assert error_of(engine_for, "festival", configured).extra["available_engines"] == ["espeak", "openai"]
    assert engine_for(None, settings.model_copy(update={"tts_engine": "openai", "tts_url": "http://h/v1"})).name == (
        "openai"
    )


def openai(tmp_path: Path, url: str, **settings: object) -> Settings:
    return Settings(data_dir=tmp_path, tts_engine="openai", tts_url=url, tts_model="kokoro", **settings)


def test_openai_protocol_against_a_real_server_and_the_cache(tmp_path: Path) -> None:
    with servers.speech_server(key="sk-test") as server:
        settings = openai(tmp_path, f"{server.url}/v1", tts_api_key="sk-test", tts_voice="af_heart")
        engine = engine_for(None, settings)
        (said,) = Speaker(engine, None, 1.25, settings.speech_cache_dir).say(["Hello from the server."])
        assert said.media.info.kind == "audio" and said.voiced.length > 300_000
        assert server.requests == [{"model": "kokoro", "input": "Hello from the server.", "voice": "af_heart",
                                    "speed": 1.25, "response_format": "wav"}]  # fmt: skip
        again = Speaker(engine, "af_heart", 1.25, settings.speech_cache_dir).say(["Hello from the server."])
        assert len(server.requests) == 1 and again[0].media.sha256 == said.media.sha256  # from the cache
        Speaker(engine, "af_heart", 1.0, settings.speech_cache_dir).say(["Hello from the server."])
        assert len(server.requests) == 2  # another rate is another sound
        error = error_of(Speaker, engine, "nobody", 1.0, settings.speech_cache_dir)
        assert error.code == "TTS_VOICE_UNKNOWN" and error.extra["available_voices"] == ["af_heart", "zf_xiaobei"]


def test_a_server_without_a_voice_list_judges_the_voice_itself(tmp_path: Path) -> None:
    with servers.speech_server(list_voices=False) as server:
        engine = engine_for(None, openai(tmp_path, server.url))
        speaker = Speaker(engine, "nobody", 1.0, tmp_path / "cache")  # not checkable ahead
        error = error_of(speaker.say, ["Hello."])
        assert (error.code, error.http_status) == ("TTS_REJECTED", 400)
        assert "Voice 'nobody' not found" in error.details
        assert not list((tmp_path / "cache").glob("*"))  # nothing cached


@pytest.mark.parametrize(
    ("failure", "key", "quoted"),
    [((500, "CUDA out of memory"), None, "CUDA out of memory"), (None, "wrong", "Incorrect API key")],
)
def test_a_failing_server_is_a_503_quoting_it(tmp_path: Path, failure: tuple[int, str] | None, key: str | None,
                                              quoted: str) -> None:  # fmt: skip
    with servers.speech_server(key="sk-test", failure=failure) as server:
        engine = engine_for(None, openai(tmp_path, server.url, tts_api_key=key or "sk-test", tts_voice="af_heart"))
        error = error_of(Speaker(engine, None, 1.0, tmp_path / "cache").say, ["Hello."])
        assert (error.code, error.http_status) == ("TTS_UNAVAILABLE", 503) and quoted in error.details


def test_a_server_that_is_down_is_a_503(tmp_path: Path) -> None:
    engine = engine_for(None, openai(tmp_path, f"http://127.0.0.1:{servers.free_port()}", tts_timeout=5))
    error = error_of(Speaker(engine, None, 1.0, tmp_path / "cache").say, ["Hello."])
    assert (error.code, error.http_status) == ("TTS_UNAVAILABLE", 503) and "ConnectError" in error.details
