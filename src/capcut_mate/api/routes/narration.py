"""add_narration: a script becomes speech on a voice track with a caption per sentence."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from capcut_mate.api.deps import services
from capcut_mate.api.responses import ok, public_url
from capcut_mate.api.schemas_narration import MAX_SENTENCES, MAX_TEXT_CHARS, AddNarrationRequest
from capcut_mate.drafts import narration
from capcut_mate.drafts.assets import placing
from capcut_mate.drafts.ids import draft_id_from_url, draft_url_for
from capcut_mate.drafts.items import parse_color
from capcut_mate.errors import ApiError
from capcut_mate.services import Services
from capcut_mate.speech.synthesis import Speaker, engine_for
from capcut_mate.speech.text import speakable, split_sentences

router = APIRouter(tags=["narration"])


def _sentences(body: AddNarrationRequest) -> list[str]:
    """The sentences to say: split from `text`, or as given; 400 when empty or over the caps."""
    if body.sentences is not None:
        field, sentences = "sentences", [s.strip() for s in body.sentences]
        chars = sum(len(s) for s in sentences)
        silent = [i for i, s in enumerate(sentences) if not speakable(s)]
        if silent:
            raise ApiError("VALIDATION_ERROR", f"sentences[{silent[0]}]: has nothing to say (no letter or digit)")
    else:
        field, chars = "text", len(body.text or "")
        if chars > MAX_TEXT_CHARS:  # refused before it is split: the cap bounds the work
            raise ApiError("NARRATION_TOO_LONG", f"text: {chars} characters; at most {MAX_TEXT_CHARS}")
        sentences = split_sentences(body.text or "")
    if not sentences:
        raise ApiError("VALIDATION_ERROR", f"{field}: is empty; give the words to say")
    if chars > MAX_TEXT_CHARS:
        raise ApiError("NARRATION_TOO_LONG", f"{field}: {chars} characters; at most {MAX_TEXT_CHARS}")
    if len(sentences) > MAX_SENTENCES:
        raise ApiError("NARRATION_TOO_LONG", f"{field}: {len(sentences)} sentences; at most {MAX_SENTENCES}")
    return sentences


def _highlight(value: str | None) -> str | None:
    """The word_highlight colour as #rrggbb, or None when off."""
    if value is None or not value.strip() or value.strip().lower() == "null":
        return None
    return "#" + "".join(f"{round(c * 255):02x}" for c in parse_color(value, "word_highlight"))


@router.post(
    "/add_narration",
    summary="Narrate a script: speech on a voice track, a caption per sentence exactly while it is spoken",
    description="The text is split into sentences (Chinese and Latin punctuation); each is synthesised by the "
    "engine (espeak-ng offline, or an OpenAI-compatible speech server), stored in the draft as an audio file, and "
    "placed from `start` with `gap` between sentences; only the voiced part of each clip is placed. Each caption "
    "takes add_captions' style fields. Word times are estimated inside each sentence's voiced span "
    "(`words_estimated`); `word_highlight` writes them as the app's karaoke caption in that colour. At most "
    f"{MAX_TEXT_CHARS} characters and {MAX_SENTENCES} sentences.",
)
def add_narration(request: Request, body: AddNarrationRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    svc.drafts.require(draft_id)
    sentences = _sentences(body)
    highlight = _highlight(body.word_highlight)
    if highlight is not None and not body.captions:
        raise ApiError("VALIDATION_ERROR", "word_highlight: colours the words of the captions; captions is false")
    voice = body.voice.strip() if body.voice and body.voice.strip() else None
    speaker = Speaker(engine_for(body.engine, svc.settings), voice, body.rate, svc.settings.speech_cache_dir)
    spoken = speaker.say(sentences)
    layout = narration.Layout(start=body.start, gap=body.gap, volume=body.volume)
    with placing(svc.drafts, draft_id) as (doc, placement):
        media = placement.place([s.media for s in spoken], "audios")
        lines = [
            narration.Line(s.text, local, (s.voiced.start, s.voiced.end), s.words, s.word_times)
            for s, local in zip(spoken, media, strict=True)
        ]
        style = body if body.captions else None
        answer = narration.add_narration(doc, lines, layout, style, highlight, svc.drafts.fonts(draft_id))
    return ok(request, draft_url=draft_url_for(public_url(request), draft_id), **answer, words_estimated=True)
