"""add_captions from SRT / WebVTT text or a URL: cues become captions; a malformed cue is a 400 naming it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.config import Settings
from capcut_mate.drafts.subtitles import parse_subtitles
from capcut_mate.errors import ApiError
from tests import servers
from tests.api.helpers import content_of, create_draft, post_error, post_ok

SRT = (
    "\ufeff1\r\n00:00:00,000 --> 00:00:01,500\r\n<i>你好</i>，剪映\r\n\r\n"
    "2\r\n00:00:01,500 --> 00:00:03,250\r\n第二行\r\n{\\an8}两行字幕\r\n\r\n"
    "7\r\n00:00:04.000 --> 00:00:05.000\r\nthird\r\n"
)


def timings(settings: Settings, url: str) -> list[tuple[int, int, str]]:
    doc = content_of(settings.data_dir, url)
    texts = {m["id"]: json.loads(m["content"])["text"] for m in doc["materials"]["texts"]}
    track = next(t for t in doc["tracks"] if t["type"] == "text")
    return [
        (s["target_timerange"]["start"], s["target_timerange"]["duration"], texts[s["material_id"]])
        for s in track["segments"]
    ]


def test_srt_text_becomes_captions(api: httpx.Client, settings: Settings) -> None:
    url = create_draft(api)
    body = post_ok(api, "add_captions", {"draft_url": url, "srt": SRT, "time_offset": 500_000, "font_size": 10})
    assert len(body["segment_ids"]) == 3
    assert timings(settings, url) == [
        (500_000, 1_500_000, "你好，剪映"),
        (2_000_000, 1_750_000, "第二行\n两行字幕"),
        (4_500_000, 1_000_000, "third"),
    ]


def test_webvtt_and_a_url(api: httpx.Client, settings: Settings, tmp_path: Path) -> None:
    vtt = "WEBVTT\n\nNOTE made by hand\n\nintro\n00:01.000 --> 00:02.000 align:start position:10%\n<c.yellow>hi</c>\n"
    (tmp_path / "subs.vtt").write_text(vtt, encoding="utf-8")
    (tmp_path / "gbk.srt").write_bytes("1\n00:00:00,000 --> 00:00:01,000\n中文字幕\n".encode("gb18030"))
    with servers.media_server(tmp_path) as base:
        url = create_draft(api)
        post_ok(api, "add_captions", {"draft_url": url, "srt": f"{base}/subs.vtt"})
        post_ok(api, "add_captions", {"draft_url": url, "srt": f"{base}/gbk.srt", "time_offset": 3_000_000})
    assert timings(settings, url) == [(1_000_000, 1_000_000, "hi")]  # the first text track
    doc = content_of(settings.data_dir, url)
    assert "中文字幕" in json.dumps(doc, ensure_ascii=False)


FIRST = "1\n00:00:00,000 --> 00:00:01,000\na\n\n"


@pytest.mark.parametrize(
    ("srt", "needle"),
    [
        (FIRST + "2\n00:00:01 --> 00:00:02,000\nb\n", "srt: cue 2: cannot read the timing"),
        ("1\n00:00:02,000 --> 00:00:01,000\na\n", "srt: cue 1: ends"),
        (FIRST + "2\n00:00:01,000 --> 00:00:02,000\n<b></b>\n", "srt: cue 2: has no text"),
        ("1\njust text\n", "srt: cue 1: no 'start --> end' timing line"),
        ("   ", "srt: no cues found"),
        (FIRST + "2\n00:00:00,500 --> 00:00:03,000\nb\n", "srt[1] (500000-3000000) overlaps"),
    ],
)
def test_malformed_cues_name_the_cue(api: httpx.Client, settings: Settings, srt: str, needle: str) -> None:
    url = create_draft(api)
    details = post_error(api, "add_captions", {"draft_url": url, "srt": srt}, 400, "VALIDATION_ERROR")
    assert needle in details, details
    assert content_of(settings.data_dir, url)["tracks"] == []


def test_captions_or_srt_not_both(api: httpx.Client) -> None:
    url = create_draft(api)
    both = {"draft_url": url, "srt": SRT, "captions": "[]"}
    assert "either captions" in post_error(api, "add_captions", both, 400, "VALIDATION_ERROR")
    assert "either captions" in post_error(api, "add_captions", {"draft_url": url}, 400, "VALIDATION_ERROR")


def _stamp(us: int, sep: str) -> str:
    ms = us // 1000
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


cue_texts = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="<>{}"),
                    min_size=1, max_size=20).filter(lambda t: t.strip())  # fmt: skip


@given(
    cues=st.lists(st.tuples(st.integers(0, 10_000_000), st.integers(1, 5_000), cue_texts), min_size=1, max_size=8),
    sep=st.sampled_from([",", "."]),
    offset=st.integers(0, 60_000_000),
)
def test_any_srt_round_trips(cues: list[tuple[int, int, str]], sep: str, offset: int) -> None:
    blocks, expected = [], []
    for n, (start_ms, length_ms, text) in enumerate(cues, start=1):
        start, end = start_ms * 1000, (start_ms + length_ms) * 1000
        blocks.append(f"{n}\n{_stamp(start, sep)} --> {_stamp(end, sep)}\n{text}")
        expected.append({"text": text.strip(), "start": start + offset, "end": end + offset})
    assert parse_subtitles("\n\n".join(blocks), offset) == expected


def test_parse_errors_are_api_errors() -> None:
    with pytest.raises(ApiError, match="cue 1"):
        parse_subtitles("1\n00:00:01,000 --> 00:00:00,500\nx\n")
