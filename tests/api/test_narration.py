"""add_narration over HTTP: the voice in the draft folder, on a voice track, captions whose windows are exactly
the audio, word times inside them, the app's karaoke fields, and the 4xx/503 for bad input or a down engine."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pyJianYingDraft
import pytest

from capcut_mate.api.schemas_narration import MAX_SENTENCES, MAX_TEXT_CHARS
from capcut_mate.config import Settings
from capcut_mate.drafts.document import ROLE_KEY
from capcut_mate.drafts.store import DRAFT_PLACEHOLDER
from capcut_mate.speech.voiced import mono_samples
from tests import servers
from tests.api.helpers import V1, content_of, create_draft, draft_files, draft_id, post_error, post_ok

SCRIPT = "你好，世界。今天天气很好！Hello there, this is capcut-mate."


def segments(doc: dict[str, Any], track_id: str) -> list[dict[str, Any]]:
    return next(t for t in doc["tracks"] if t["id"] == track_id)["segments"]


def window(segment: dict[str, Any]) -> tuple[int, int]:
    target = segment["target_timerange"]
    return target["start"], target["start"] + target["duration"]


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt((samples.astype(np.float64) ** 2).mean())) if len(samples) else 0.0


def test_sentences_become_voice_clips_with_captions_exactly_while_they_are_spoken(
    api: httpx.Client, settings: Settings
) -> None:
    url = create_draft(api, 1080, 1920)
    answer = post_ok(api, "add_narration", {"draft_url": url, "text": SCRIPT, "start": 500_000, "gap": 250_000,
                                            "font_size": 12, "transform_y": -700})  # fmt: skip
    assert answer["words_estimated"] is True
    said = answer["sentences"]
    assert [s["text"] for s in said] == ["你好，世界。", "今天天气很好！", "Hello there, this is capcut-mate."]
    assert said[0]["start"] == 500_000
    assert all(b["start"] - a["end"] == 250_000 for a, b in itertools.pairwise(said))
    assert answer["duration"] == said[-1]["end"] - 500_000

    doc = content_of(settings.data_dir, url)
    audio, captions = segments(doc, answer["audio_track_id"]), segments(doc, answer["caption_track_id"])
    assert [a["id"] for a in audio] == [s["audio_segment_id"] for s in said]
    assert [c["id"] for c in captions] == [s["caption_segment_id"] for s in said]
    texts = {m["id"]: json.loads(m["content"])["text"] for m in doc["materials"]["texts"]}
    for sentence, clip, caption in zip(said, audio, captions, strict=True):
        assert window(clip) == window(caption) == (sentence["start"], sentence["end"])
        assert texts[caption["material_id"]] == sentence["text"]
        words = sentence["words"]
        assert words[0]["start"] == sentence["start"] and words[-1]["end"] == sentence["end"]
        assert all(a["end"] == b["start"] for a, b in itertools.pairwise(words))
    assert [w["text"] for w in said[0]["words"]] == ["你", "好，", "世", "界。"]

    # The voice is a file of the draft folder, an audio material marked as voice, and the segment plays its
    # voiced part: sound from the first to the last moment of each window, silence cut before and after.
    files = draft_files(settings, url)
    materials = {m["id"]: m for m in doc["materials"]["audios"]}
    folder = settings.data_dir / "drafts" / draft_id(url)
    for clip in audio:
        material = materials[clip["material_id"]]
        relative = material["path"].removeprefix(DRAFT_PLACEHOLDER + "/")
        assert material[ROLE_KEY] == "voice" and relative.startswith("assets/audios/") and relative in files
        samples, rate = mono_samples(folder / relative)
        first = clip["source_timerange"]["start"] * rate // 1_000_000
        last = first + clip["source_timerange"]["duration"] * rate // 1_000_000
        edge = rate // 50  # 20 ms
        voice = rms(samples[first:last])
        assert rms(samples[first : first + edge]) > voice / 100 and rms(samples[last - edge : last]) > voice / 100
        assert rms(samples[:first]) < voice / 50 and rms(samples[last:]) < voice / 50
        assert clip["source_timerange"]["duration"] == clip["target_timerange"]["duration"]
        assert last <= len(samples) and material["duration"] >= clip["source_timerange"]["duration"]

    script = pyJianYingDraft.DraftFolder(str(settings.data_dir / "drafts")).load_template(draft_id(url))
    assert len(script.imported_tracks) == 2  # the independent parser reads both tracks


def test_word_highlight_writes_the_apps_karaoke_caption(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)
    answer = post_ok(api, "add_narration", {"draft_url": url, "sentences": ["你好，Python 世界！"],
                                            "word_highlight": "#FFD400", "text_color": "#ffffff"})  # fmt: skip
    (sentence,) = answer["sentences"]
    doc = content_of(settings.data_dir, url)
    (material,) = doc["materials"]["texts"]
    content = json.loads(material["content"])
    assert [content["text"][a:b] for a, b in (s["range"] for s in content["styles"])] == ["你", "好，", "Python ",
                                                                                          "世", "界！"]  # fmt: skip
    assert all(s["fill"]["content"]["solid"]["color"] == [1.0, 1.0, 1.0] for s in content["styles"])
    assert material["ktv_color"] == "#ffd400"
    words = sentence["words"]
    assert material["words"] == {
        "text": [w["text"] for w in words],
        "start_time": [(w["start"] - sentence["start"]) // 1000 for w in words],
        "end_time": [(w["end"] - sentence["start"]) // 1000 for w in words],
    }
    plain = post_ok(api, "add_narration", {"draft_url": url, "sentences": ["再见"], "start": 5_000_000})
    (plain_material,) = [
        m for m in content_of(settings.data_dir, url)["materials"]["texts"] if m["id"] != material["id"]
    ]
    assert "ktv_color" not in plain_material and len(json.loads(plain_material["content"])["styles"]) == 1
    assert plain["sentences"][0]["start"] == 5_000_000


def test_captions_off_and_numbers_as_strings(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)
    answer = post_ok(api, "add_narration", {"draft_url": url, "sentences": '["One.", "Two."]', "captions": "false",
                                            "rate": "1.5", "gap": "0", "volume": "0.8", "voice": "en-us"})  # fmt: skip
    assert answer["caption_track_id"] is None and all(s["caption_segment_id"] is None for s in answer["sentences"])
    assert {w["field"] for w in answer["warnings"]} == {"captions", "rate", "gap", "volume"}
    one, two = answer["sentences"]
    assert two["start"] == one["end"]
    doc = content_of(settings.data_dir, url)
    assert [t["type"] for t in doc["tracks"]] == ["audio"] and not doc["materials"].get("texts")
    assert {s["volume"] for s in doc["tracks"][0]["segments"]} == {0.8}


def test_bad_input_is_a_400_naming_what_to_fix(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)
    before = draft_files(settings, url)
    assert "empty" in post_error(api, "add_narration", {"draft_url": url, "text": " \n "}, 400, "VALIDATION_ERROR")
    post_error(api, "add_narration", {"draft_url": url, "text": "。！…"}, 400, "VALIDATION_ERROR")
    post_error(api, "add_narration", {"draft_url": url, "sentences": []}, 400, "VALIDATION_ERROR")
    assert "sentences[1]" in post_error(api, "add_narration", {"draft_url": url, "sentences": ["hi", "!"]}, 400,
                                        "VALIDATION_ERROR")  # fmt: skip
    post_error(api, "add_narration", {"draft_url": url, "text": "a", "sentences": ["a"]}, 400, "VALIDATION_ERROR")
    post_error(api, "add_narration", {"draft_url": url}, 400, "VALIDATION_ERROR")
    post_error(api, "add_narration", {"draft_url": url, "text": "hi", "rate": 3}, 400, "VALIDATION_ERROR")
    post_error(api, "add_narration", {"draft_url": url, "text": "hi", "word_highlight": "gold"}, 400,
               "VALIDATION_ERROR")  # fmt: skip
    no_captions = {"draft_url": url, "text": "hi", "captions": False, "word_highlight": "#ffd400"}
    assert "captions" in post_error(api, "add_narration", no_captions, 400, "VALIDATION_ERROR")
    long = "好" * (MAX_TEXT_CHARS + 1)
    assert str(MAX_TEXT_CHARS) in post_error(api, "add_narration", {"draft_url": url, "text": long}, 400,
                                             "NARRATION_TOO_LONG")  # fmt: skip
    many = "好。" * (MAX_SENTENCES + 1)
    assert str(MAX_SENTENCES) in post_error(api, "add_narration", {"draft_url": url, "text": many}, 400,
                                            "NARRATION_TOO_LONG")  # fmt: skip
    response = api.post(f"{V1}/add_narration", json={"draft_url": url, "text": "hi", "engine": "festival"})
    assert response.status_code == 400 and response.json()["error"]["available_engines"] == ["espeak"]
    response = api.post(f"{V1}/add_narration", json={"draft_url": url, "text": "hi", "voice": "klingon"})
    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (400, "TTS_VOICE_UNKNOWN") and "cmn" in error["available_voices"]
    assert draft_files(settings, url) == before
    missing = url.replace(draft_id(url), "20250101120000a1b2c3d4e5f60718")
    post_error(api, "add_narration", {"draft_url": missing, "text": "hi"}, 404, "DRAFT_NOT_FOUND")


@pytest.fixture
def speech() -> Iterator[servers.SpeechServer]:
    with servers.speech_server() as server:
        yield server


def test_the_openai_engine_narrates_through_a_real_speech_server(
    settings: Settings, speech: servers.SpeechServer
) -> None:
    configured = settings.model_copy(update={"tts_url": speech.url, "tts_voice": "zf_xiaobei"})
    with servers.in_process(configured) as api:
        url = create_draft(api)
        answer = post_ok(api, "add_narration", {"draft_url": url, "text": "第一句。第二句。", "engine": "openai"})
        assert sorted(r["input"] for r in speech.requests) == ["第一句。", "第二句。"]  # synthesised in parallel
        assert {r["voice"] for r in speech.requests} == {"zf_xiaobei"}
        assert len(answer["sentences"]) == 2
        response = api.post(f"{V1}/add_narration", json={"draft_url": url, "text": "hi", "engine": "openai",
                                                         "voice": "nobody"})  # fmt: skip
        assert response.json()["error"]["available_voices"] == ["af_heart", "zf_xiaobei"]


def test_an_engine_that_is_down_is_a_503_with_its_message(settings: Settings) -> None:
    down = settings.model_copy(update={"tts_engine": "openai", "tts_url": f"http://127.0.0.1:{servers.free_port()}"})
    with servers.in_process(down) as api:
        url = create_draft(api)
        before = draft_files(down, url)
        response = api.post(f"{V1}/add_narration", json={"draft_url": url, "text": "hi"}, headers={
            "accept-language": "en"})  # fmt: skip
        assert response.status_code == 503 and response.headers["retry-after"]
        error = response.json()["error"]
        assert error["code"] == "TTS_UNAVAILABLE" and "ConnectError" in error["details"]
        assert error["message"] == "The speech engine is unavailable, retry later"
        assert draft_files(down, url) == before


def test_add_audios_items_say_their_role(api: httpx.Client, settings: Settings, media_url: str) -> None:
    url = create_draft(api)
    infos = [{"audio_url": f"{media_url}/tone.mp3", "start": 0, "end": 1_000_000, "role": "music"},
             {"audio_url": f"{media_url}/tone.mp3", "start": 1_000_000, "end": 2_000_000}]  # fmt: skip
    answer = post_ok(api, "add_audios", {"draft_url": url, "audio_infos": json.dumps(infos)})
    materials = {m["id"]: m for m in content_of(settings.data_dir, url)["materials"]["audios"]}
    assert [materials[i].get(ROLE_KEY) for i in answer["audio_ids"]] == ["music", None]
    bad = json.dumps([{**infos[0], "role": "drums"}])
    assert "audio_infos[0].role" in post_error(api, "add_audios", {"draft_url": url, "audio_infos": bad}, 400,
                                               "VALIDATION_ERROR")  # fmt: skip


def test_an_unchanged_script_is_not_synthesised_again(settings: Settings, speech: servers.SpeechServer) -> None:
    configured = settings.model_copy(update={"tts_engine": "openai", "tts_url": speech.url, "tts_voice": "af_heart"})
    with servers.in_process(configured) as api:
        first, second = create_draft(api), create_draft(api)
        a = post_ok(api, "add_narration", {"draft_url": first, "text": "Same words."})
        b = post_ok(api, "add_narration", {"draft_url": second, "text": "Same words."})
    assert len(speech.requests) == 1
    assert [s["end"] - s["start"] for s in a["sentences"]] == [s["end"] - s["start"] for s in b["sentences"]]
    assert Path(configured.speech_cache_dir).is_dir()
