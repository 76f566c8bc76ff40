"""Split a script into sentences (Chinese and Latin punctuation) and a sentence into words.

Sentences end at 。！？!?；; …, a newline, or a full stop followed by a space or the end (so "3.14" stays
whole); closing quotes and brackets stay with the sentence they close. A piece with nothing to say
(punctuation only) joins the sentence before it (or the next one, at the start), so every sentence makes
sound. Words: CJK ideographs and kana one character each (how the app itself times karaoke captions),
everything else by whitespace; punctuation belongs to the word before it. No segmentation library: a
dictionary segmenter (jieba) would give Chinese words, but per character is what karaoke highlights.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

_SENTENCE_END = regex.compile(r"(?:[。！？!?；;…]+|\.+(?=\s|$)|\n)[”’\"'）)\]】」』》]*")
_SPEAKABLE = regex.compile(r"[\p{L}\p{N}]")
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
_TOKEN = regex.compile(rf"[{_CJK}]|[\p{{L}}\p{{N}}][^\s{_CJK}]*|[^\s{_CJK}\p{{L}}\p{{N}}]+")
_CJK_CHAR = regex.compile(rf"[{_CJK}]")
CJK_WEIGHT = 3  # one ideograph is a syllable, about as long to say as three Latin letters


def speakable(text: str) -> bool:
    """Whether `text` has a letter or a digit: something a voice says."""
    return _SPEAKABLE.search(text) is not None


def has_cjk(text: str) -> bool:
    return _CJK_CHAR.search(text) is not None


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, in order; their non-space characters are exactly those of `text`."""
    pieces, position = [], 0
    for match in _SENTENCE_END.finditer(text):
        pieces.append(text[position : match.end()])
        position = match.end()
    pieces.append(text[position:])
    sentences: list[str] = []
    pending = ""  # leading punctuation, waiting for a sentence to say it with
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        if speakable(piece):
            sentences.append(pending + piece)
            pending = ""
        elif sentences:
            sentences[-1] += piece
        else:
            pending += piece
    return sentences


@dataclass(frozen=True)
class Word:
    """A word of a sentence: its text and its [start, end) code-point offsets in the sentence."""

    text: str
    start: int
    end: int

    @property
    def weight(self) -> int:
        """How long it takes to say, relatively: letters and digits count, an ideograph counts CJK_WEIGHT."""
        return max(1, sum(CJK_WEIGHT if _CJK_CHAR.match(c) else 1 for c in self.text if _SPEAKABLE.match(c)))


def split_words(sentence: str) -> list[Word]:
    """The words of `sentence` in order; punctuation joins the word before it (or after it, at the start)."""
    spans: list[tuple[int, int]] = []
    lead: int | None = None
    for match in _TOKEN.finditer(sentence):
        if speakable(match.group()):
            spans.append((match.start() if lead is None else lead, match.end()))
            lead = None
        elif spans and sentence[spans[-1][1] : match.start()].strip() == "":
            spans[-1] = (spans[-1][0], match.end())
        elif lead is None:
            lead = match.start()
    return [Word(sentence[a:b], a, b) for a, b in spans]
