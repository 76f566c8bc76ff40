"""The reference's pure helper endpoints: they turn lists into the JSON-string inputs of the add_* endpoints.

Behaviour follows shared/spec/API_REFERENCE.md §2.7: when list lengths differ every list is truncated to the
shortest; `|`-separated name lists give item i the i-th name and reuse the last one once they run out;
`*_infos` results are JSON arrays serialised with `ensure_ascii=False`. Bad input is a 400 (never 9998).
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Sequence
from typing import Any, TypedDict

from capcut_mate.drafts.items import KEYFRAME_PROPERTIES
from capcut_mate.errors import ApiError

Json = dict[str, Any]
RANDOM_SEED = 42  # the reference's fixed seed: "random" splits are reproducible


class Span(TypedDict):
    """One timeline piece, µs: what the timeline endpoints answer and the *_infos builders take."""

    start: int
    end: int


def dumps(items: list[Json]) -> str:
    return json.dumps(items, ensure_ascii=False)


def timelines(duration: int, num: int, start: int, kind: int) -> tuple[list[Span], list[Span]]:
    """`num` pieces of [start, start+duration): even (kind 0, the last piece takes the remainder) or random."""
    whole: list[Span] = [{"start": start, "end": start + duration}]
    if num <= 0:
        return [], whole
    if kind == 0:
        step = duration // num
        cuts = [start + i * step for i in range(num)] + [start + duration]
    else:
        rng = random.Random(RANDOM_SEED)
        cuts = [start, *sorted(rng.randint(start, start + duration) for _ in range(num - 1)), start + duration]
    return [{"start": a, "end": b} for a, b in itertools.pairwise(cuts)], whole


def back_to_back(durations: Sequence[int]) -> tuple[list[Span], list[Span]]:
    """Pieces laid end to end from 0 (audio_timelines)."""
    pieces: list[Span] = []
    cursor = 0
    for length in durations:
        pieces.append({"start": cursor, "end": cursor + length})
        cursor += length
    return pieces, [{"start": 0, "end": cursor}]


def split_names(value: str | None) -> list[str]:
    """`"a|b| c"` → ["a", "b", "c"]; empty parts are dropped."""
    return [part.strip() for part in (value or "").split("|") if part.strip()]


def _pick(names: list[str], index: int) -> str:
    return names[min(index, len(names) - 1)]


def _timed(key: str, values: Sequence[Any], lines: Sequence[Span]) -> list[Json]:
    """`{key: value, start, end}` for each pair; the longer list is cut to the shorter one."""
    return [{key: value, "start": t["start"], "end": t["end"]} for value, t in zip(values, lines, strict=False)]


def _with(infos: list[Json], extra: Json) -> list[Json]:
    """Copy every non-null field of `extra` into each item."""
    present = {key: value for key, value in extra.items() if value is not None}
    return [{**info, **present} for info in infos]


def audio_infos(urls: Sequence[str], lines: Sequence[Span], audio_effect: str | None, volume: float | None) -> str:
    return dumps(_with(_timed("audio_url", urls, lines), {"audio_effect": audio_effect, "volume": volume}))


def imgs_infos(
    urls: Sequence[str], lines: Sequence[Span], sizes: Json, names: dict[str, tuple[str | None, int | None]]
) -> str:
    """`names` maps in_animation / out_animation / loop_animation / transition to (`|`-list, duration)."""
    infos = _with(_timed("image_url", urls, lines), sizes)
    for key, (value, duration) in names.items():
        choices = split_names(value)
        for i, info in enumerate(infos):
            if choices:
                info[key] = _pick(choices, i)
                if duration is not None:
                    info[f"{key}_duration"] = duration
    return dumps(infos)


def caption_infos(texts: Sequence[str], lines: Sequence[Span], keywords: Sequence[str] | None, extra: Json) -> str:
    """Each caption gets keywords[i] ("" once they run out) and every non-null field of `extra`."""
    infos = [{"start": t["start"], "end": t["end"], "text": text} for text, t in zip(texts, lines, strict=False)]
    for i, info in enumerate(infos):
        if keywords:
            info["keyword"] = keywords[i] if i < len(keywords) else ""
    return dumps(_with(infos, extra))


def effect_infos(effects: Sequence[str], lines: Sequence[Span]) -> str:
    return dumps(_timed("effect_title", effects, lines))


def filter_infos(filters: Sequence[str], lines: Sequence[Span], intensities: Sequence[float] | None) -> str:
    """intensity = intensities[i], or 100.0 once that list runs out."""
    infos = _timed("filter_title", filters, lines)
    for i, info in enumerate(infos):
        info["intensity"] = float(intensities[i]) if intensities and i < len(intensities) else 100.0
    return dumps(infos)


def video_infos(urls: Sequence[str], lines: Sequence[Span], extra: Json, volume: float) -> str:
    """{video_url, start, end, duration, [width, height, mask, transition, transition_duration], volume}."""
    infos = _timed("video_url", urls, lines)
    for info in infos:
        info["duration"] = info["end"] - info["start"]
    return dumps([{**info, "volume": volume} for info in _with(infos, extra)])


def _numbers(field: str, text: str, parse: type) -> list[Any]:
    parts = [part.strip() for part in text.split("|")]
    try:
        return [parse(part) for part in parts]
    except ValueError as exc:
        raise ApiError("VALIDATION_ERROR", f"{field}: {text!r} is not a |-separated list of numbers") from exc


def keyframes_infos(
    ctype: str, offsets: str, values: str, segments: Sequence[Json], width: int | None, height: int | None
) -> str:
    """One keyframe per segment per offset; offsets are integer percentages of each segment's length."""
    if ctype not in KEYFRAME_PROPERTIES:
        raise ApiError(
            "VALIDATION_ERROR", f"ctype: unknown property {ctype!r}; one of {', '.join(KEYFRAME_PROPERTIES)}"
        )
    percents = _numbers("offsets", offsets, int)
    numbers = _numbers("values", values, float)
    if len(percents) != len(numbers):
        raise ApiError(
            "VALIDATION_ERROR",
            f"offsets has {len(percents)} entries but values has {len(numbers)}; give one value per offset",
        )
    if bad := [p for p in percents if not 0 <= p <= 100]:
        raise ApiError("VALIDATION_ERROR", f"offsets: {bad[0]} is not a percentage between 0 and 100")
    divisor = {"KFTypePositionX": width, "KFTypePositionY": height}.get(ctype)
    infos = []
    for seg in segments:
        length = seg["end"] - seg["start"]
        for percent, value in zip(percents, numbers, strict=True):
            infos.append(
                {
                    "offset": int(percent / 100 * length),
                    "property": ctype,
                    "segment_id": seg["id"],
                    "value": value / divisor if divisor else value,
                }
            )
    return dumps(infos)
