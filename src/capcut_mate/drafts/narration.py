"""add_narration's edit: spoken sentences back to back on a new voice track, each with a caption whose window
is exactly its audio, and (with a highlight colour) the per-word timing the app keeps for karaoke captions.

Pure, like the other editing operations: the speech is synthesised, measured and stored before this runs.
Each audio segment plays only the voiced span of its file (the engine's leading and trailing silence are
left out), so a caption that starts with its audio starts with the voice.

With `word_highlight` each caption's text material gets what the app stores for a karaoke caption:
`content.styles` split into one range per word (same base style), `ktv_color` (the colour the word being
spoken turns) and `words` = {text, start_time, end_time}, times in ms from the caption's start.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass

from capcut_mate.drafts import document
from capcut_mate.drafts.document import Json
from capcut_mate.drafts.editing import MIN_SEGMENT_US, LocalMedia, add_captions, place_audio
from capcut_mate.drafts.fonts import DraftFont
from capcut_mate.drafts.items import CaptionInfo, CaptionStyle
from capcut_mate.speech.text import Word


@dataclass(frozen=True)
class Line:
    """One sentence to place: its stored audio, the voiced [start, end) µs in that file, and its words with
    their [start, end) µs in the file."""

    text: str
    media: LocalMedia
    voiced: tuple[int, int]
    words: Sequence[Word]
    word_times: Sequence[tuple[int, int]]


@dataclass(frozen=True)
class Layout:
    start: int
    gap: int
    volume: float


def add_narration(
    doc: Json,
    lines: Sequence[Line],
    layout: Layout,
    captions: CaptionStyle | None,
    highlight: str | None,
    draft_fonts: Sequence[DraftFont] = (),
) -> Json:
    """Place `lines` and their captions (none when `captions` is None); the answer's fields."""
    track = document.add_track(doc, "audio")
    track["name"] = "narration"
    placed, cursor = [], layout.start
    for line in lines:
        source_start = max(0, min(line.voiced[0], line.media.info.duration_us - MIN_SEGMENT_US))
        length = max(MIN_SEGMENT_US, min(line.voiced[1], line.media.info.duration_us) - source_start)
        seg = place_audio(
            doc, track, line.media, target=(cursor, length), source_start=source_start, volume=layout.volume,
            role="voice",
        )  # fmt: skip
        words = [
            {
                "text": word.text,
                "start": cursor + max(0, a - source_start),
                "end": cursor + min(length, b - source_start),
            }
            for word, (a, b) in zip(line.words, line.word_times, strict=True)
        ]
        placed.append({"text": line.text, "start": cursor, "end": cursor + length, "audio_segment_id": seg["id"],
                       "caption_segment_id": None, "words": words})  # fmt: skip
        cursor += length + layout.gap
    caption_track_id = None
    if captions is not None:
        items = [CaptionInfo(text=p["text"], start=p["start"], end=p["end"]) for p in placed]
        result = add_captions(doc, captions, items, draft_fonts)
        caption_track_id = result.track_id
        texts = {material["id"]: material for material in doc["materials"]["texts"]}
        for sentence, line, material_id, segment_id in zip(
            placed, lines, result.material_ids, result.segment_ids, strict=True
        ):
            sentence["caption_segment_id"] = segment_id
            if highlight is not None:
                _karaoke(texts[material_id], line.words, sentence, highlight)
    return {
        "audio_track_id": track["id"],
        "caption_track_id": caption_track_id,
        "duration": placed[-1]["end"] - layout.start,
        "sentences": placed,
    }


def _karaoke(material: Json, words: Sequence[Word], sentence: Json, color: str) -> None:
    """One style range per word (the base style: the highlight is a time, not a range) plus the app's
    karaoke fields."""
    content = json.loads(material["content"])
    base = {key: value for key, value in content["styles"][0].items() if key != "range"}
    cuts = [0] + [word.start for word in words[1:]] + [len(content["text"])]
    content["styles"] = [{**base, "range": [a, b]} for a, b in itertools.pairwise(cuts)]
    material["content"] = json.dumps(content, ensure_ascii=False)
    material["ktv_color"] = color
    start = sentence["start"]
    material["words"] = {
        "text": [w["text"] for w in sentence["words"]],
        "start_time": [(w["start"] - start) // 1000 for w in sentence["words"]],
        "end_time": [(w["end"] - start) // 1000 for w in sentence["words"]],
    }
