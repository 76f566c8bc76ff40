"""SRT (and WebVTT) text -> caption items for add_captions, with errors that name the cue.

Subtitle files come from speech-to-text services and editors of every kind, so the reader is lenient about
what does not change the meaning (a BOM, CRLF, missing or wrong cue numbers, '.' or ',' before the
milliseconds, hours left out, VTT cue settings, NOTE/STYLE blocks, inline <i>/<font>/{\\an8} tags) and
strict about what does (a timing line that does not parse, an end not after its start, a cue with no text).
"""

from __future__ import annotations

import re

from capcut_mate.errors import ApiError

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
_TAGS = re.compile(r"<[^>]*>|\{\\[^}]*\}")


def _micros(hours: str | None, minutes: str, seconds: str, fraction: str) -> int:
    millis = int(fraction.ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1_000_000 + millis * 1000


def decode_subtitles(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, the two encodings Chinese subtitle files come in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def parse_subtitles(text: str, time_offset: int = 0) -> list[dict[str, object]]:
    """[{text, start, end}] in µs (shifted by `time_offset`), in file order; 400 naming the bad cue."""
    blocks = re.split(r"\n\s*\n", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").strip())
    if blocks and blocks[0].startswith("WEBVTT"):
        blocks = blocks[1:]
    cues: list[dict[str, object]] = []
    for position, block in enumerate(blocks, start=1):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines or lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        number = lines[0].strip() if lines[0].strip().isdigit() and len(lines) > 1 else str(position)
        timing_at = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing_at is None:
            raise ApiError("VALIDATION_ERROR", f"srt: cue {number}: no 'start --> end' timing line")
        match = _TIMING.match(lines[timing_at])
        if match is None:
            raise ApiError(
                "VALIDATION_ERROR",
                f"srt: cue {number}: cannot read the timing {lines[timing_at].strip()!r}; "
                "expected HH:MM:SS,mmm --> HH:MM:SS,mmm",
            )
        start = _micros(*match.group(1, 2, 3, 4)) + time_offset
        end = _micros(*match.group(5, 6, 7, 8)) + time_offset
        if end <= start:
            raise ApiError("VALIDATION_ERROR", f"srt: cue {number}: ends ({end} µs) before it starts ({start} µs)")
        if start < 0:
            raise ApiError("VALIDATION_ERROR", f"srt: cue {number}: starts before 0 after time_offset ({start} µs)")
        body = "\n".join(_TAGS.sub("", line).strip() for line in lines[timing_at + 1 :]).strip()
        if not body:
            raise ApiError("VALIDATION_ERROR", f"srt: cue {number}: has no text")
        cues.append({"text": body, "start": start, "end": end})
    if not cues:
        raise ApiError("VALIDATION_ERROR", "srt: no cues found; expected SRT or WebVTT text (or a URL to one)")
    return cues
