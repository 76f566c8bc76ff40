"""Sentences and words of a script: nothing lost, order kept, every sentence has something to say."""

from __future__ import annotations

import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.speech.text import speakable, split_sentences, split_words

PIECES = st.sampled_from(
    ["你好", "世界", "今天天气很好", "Hello", "world", "3.14", "e.g", "カタカナ", "한국어", "2025", "x",
     "。", "！", "？", "!", "?", ";", "；", "…", ".", "...", ",", "，", "“", "”", "\"", "'", "（", "）", "】",
     " ", "  ", "\n", "\t", "-"]
)  # fmt: skip
SCRIPTS = st.one_of(st.lists(PIECES, max_size=40).map("".join), st.text(max_size=200))


def squeezed(text: str) -> str:
    return re.sub(r"\s", "", text)


@given(SCRIPTS)
def test_sentences_keep_every_character_in_order(text: str) -> None:
    sentences = split_sentences(text)
    if speakable(text):
        assert squeezed("".join(sentences)) == squeezed(text)
    else:
        assert sentences == []
    for sentence in sentences:
        assert sentence == sentence.strip() and speakable(sentence)


@given(SCRIPTS)
def test_words_are_ordered_spans_of_the_sentence_with_something_to_say(text: str) -> None:
    for sentence in split_sentences(text):
        words = split_words(sentence)
        assert words, sentence
        assert all(sentence[w.start : w.end] == w.text and speakable(w.text) for w in words)
        assert all(a.end <= b.start for a, b in itertools.pairwise(words))
        covered = "".join(sentence[a.end : b.start] for a, b in itertools.pairwise(words))
        assert covered.strip() == ""  # only spaces between words: punctuation belongs to a word
        assert squeezed("".join(w.text for w in words)) == squeezed(sentence)


def test_chinese_and_latin_punctuation_end_sentences_and_quotes_stay() -> None:
    text = "你好，世界。今天天气很好！Is it? Yes. Pi is 3.14 exactly…“引号。”结束\n新的一行"
    assert split_sentences(text) == [
        "你好，世界。", "今天天气很好！", "Is it?", "Yes.", "Pi is 3.14 exactly…", "“引号。”", "结束", "新的一行",
    ]  # fmt: skip
    assert split_sentences("... 你好") == ["...你好"]  # punctuation alone joins the next sentence


def test_cjk_words_are_characters_and_latin_words_are_split_by_spaces() -> None:
    assert [w.text for w in split_words("你好，Python 世界！")] == ["你", "好，", "Python", "世", "界！"]
    assert [w.text for w in split_words("Hello, big world.")] == ["Hello,", "big", "world."]
    assert [w.text for w in split_words("“引号”")] == ["“引", "号”"]
