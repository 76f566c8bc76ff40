"""The builder's last step: refuse a filter graph in which a filter's output size can change per frame.

Filters configure their buffers for the size they were set up with; a frame that arrives larger overruns
them (glibc aborts with "corrupted size vs. prev_size" one render in eight). transform.py keeps every layer
at one size, and this check makes sure no later change brings a per-frame size back: a resizing filter
(scale, zscale, crop, pad, rotate, zoompan) must give its size as constants of its input, evaluated once.
"""

from __future__ import annotations

import re

from capcut_mate.render.errors import RenderError

# Filter -> its options that set the output size (positional options by index too).
SIZE_OPTIONS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "scale": (("w", "width", "h", "height", "s", "size"), (0, 1)),
    "zscale": (("w", "width", "h", "height", "s", "size"), (0, 1)),
    "crop": (("w", "out_w", "h", "out_h"), (0, 1)),
    "pad": (("w", "width", "h", "height"), (0, 1)),
    "rotate": (("ow", "out_w", "oh", "out_h"), ()),
    "zoompan": (("s",), ()),
}
# Names an expression reads that change from frame to frame.
PER_FRAME = re.compile(r"(?<![A-Za-z_])(t|n|pos|in|on|time|T|N|frame|PTS|TB)(?![A-Za-z_(])")
# Filters that resize on a command (sendcmd side files, zmq); their size commands are refused too.
SIZE_COMMANDS = {"w", "h", "width", "height", "s", "size", "out_w", "out_h", "ow", "oh"}


def _split(text: str, separators: str) -> list[str]:
    """`text` cut at the separators that are outside single quotes (ffmpeg's quoting)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == "'":
            quoted = not quoted
        if not quoted and char in separators:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def split_filters(script: str) -> list[str]:
    """Every filter of a filter_complex script, labels stripped."""
    bare = (re.sub(r"^\s*(\[[^\]]*\]\s*)*", "", re.sub(r"(\s*\[[^\]]*\])*\s*$", "", p)) for p in _split(script, ",;"))
    return [text for text in bare if text]


def options(args: str) -> list[tuple[str | None, str]]:
    """(name, or None for a positional option, value) of one filter's arguments."""
    found: list[tuple[str | None, str]] = []
    for item in _split(args, ":"):
        name, sep, value = item.partition("=")
        found.append((name, value) if sep and re.fullmatch(r"[A-Za-z_]\w*", name) else (None, item))
    return found


def size_problem(text: str) -> str | None:
    """Why one filter (`name[@id][=args]`) may change its output size per frame, or None when it cannot."""
    head, _, args = text.partition("=")
    name = head.split("@", 1)[0].strip()
    if name not in SIZE_OPTIONS:
        return None
    names, positions = SIZE_OPTIONS[name]
    opts = options(args) if args else []
    if name in ("scale", "pad", "zscale") and any(k == "eval" and v.strip("'") == "frame" for k, v in opts):
        return f"{name} re-evaluates its size every frame (eval=frame)"
    position = 0
    for key, value in opts:
        size_option = key in names if key is not None else position in positions
        if key is None:
            position += 1
        if size_option and PER_FRAME.search(value.strip("'")):
            return f"{name}'s size {value!r} reads a per-frame variable"
    return None


def command_problem(side_file: str) -> str | None:
    """A sendcmd schedule that would resize a filter mid-stream."""
    for match in re.finditer(r"\[\w+\]\s+([\w@]+)\s+(\w+)", side_file):
        target, command = match.groups()
        if target.split("@", 1)[0] in SIZE_OPTIONS and command in SIZE_COMMANDS:
            return f"a command resizes {target} ({command}) mid-stream"
    return None


def check(script: str, side_files: dict[str, str]) -> None:
    """Raise when any filter's output size may vary per frame: a bug in the builder, never the draft's."""
    problems = [p for text in split_filters(script) if (p := size_problem(text))]
    problems += [f"{name}: {p}" for name, content in side_files.items() if (p := command_problem(content))]
    if problems:
        raise RenderError(
            "FFMPEG_FAILED",
            "internal error: the filter graph would change a frame's size mid-stream: " + "; ".join(problems),
            {"filter_graph": script},
        )
