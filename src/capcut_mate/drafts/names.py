"""Names as people type them → catalogue entries, and what happens to a name nobody knows.

Order: the catalogue's own match (exact title, then case/space/underscore-blind title or member name),
then the aliases below (synonyms workflows and the reference's clients send, and the English names CapCut
shows), then one close match (a typo of a title, reported). A name still unknown is, by default, not an
error: the reference ignored what it did not know and workflows migrated from it rely on that, so the
field is left out of the draft and a warning naming the field and value goes back with the 200 answer.
`CAPCUT_MATE_STRICT_NAMES=1` (or no `collect()` around the call) keeps the 400.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum

from capcut_mate.drafts.catalogue import lookup, title_of
from capcut_mate.errors import ApiError

# Normalised alias -> titles it may mean, tried in order in the catalogue being searched (an alias of
# both a transition and an animation resolves to whichever the field asks for).
ALIASES: dict[str, tuple[str, ...]] = {
    "溶解": ("叠化",),
    "交叉溶解": ("叠化",),
    "dissolve": ("叠化", "溶解"),
    "crossdissolve": ("叠化",),
    "crossfade": ("叠化",),
    "mix": ("叠化",),
    "淡入淡出": ("叠化", "渐显", "渐隐"),
    "淡化": ("叠化", "渐显", "渐隐"),
    "fade": ("叠化", "渐显", "渐隐"),
    "淡入": ("渐显",),
    "渐入": ("渐显",),
    "fadein": ("渐显",),
    "淡出": ("渐隐",),
    "渐出": ("渐隐",),
    "fadeout": ("渐隐",),
    "blackfade": ("闪黑",),
    "fadetoblack": ("闪黑",),
    "黑场": ("闪黑",),
    "flash": ("闪白",),
    "whiteflash": ("闪白",),
    "白场": ("闪白",),
    "zoomin": ("放大", "推近"),
    "zoomout": ("缩小", "拉远"),
    "pullin": ("推近",),
    "pullout": ("拉远",),
    "slideleft": ("向左滑动", "向左"),
    "slideright": ("向右滑动", "向右"),
    "slideup": ("向上滑动", "向上"),
    "slidedown": ("向下滑动", "向下"),
    "wipeleft": ("向左擦除",),
    "wiperight": ("向右擦除",),
    "wipeup": ("向上擦除",),
    "wipedown": ("向下擦除",),
    "blur": ("模糊",),
    "rotate": ("旋转",),
    "spin": ("旋转",),
    "shake": ("抖动", "左右抖动"),
    "glitch": ("故障",),
    "mosaic": ("马赛克",),
    "pageturn": ("翻页",),
    "typewriter": ("打字机 I",),
    "circle": ("圆形",),
    "rectangle": ("矩形",),
    "linear": ("线性",),
    "line": ("线性",),
    "mirror": ("镜面",),
    "heart": ("爱心",),
    "star": ("星形",),
}
CLOSE_CUTOFF = 0.8  # one title at least this similar (difflib ratio) is taken as a typo of it


def normalise(name: str) -> str:
    return "".join(name.lower().split()).replace("_", "").replace("-", "")


@dataclass
class _Collector:
    strict: bool
    warnings: list[dict[str, str]] = field(default_factory=list)


_current: ContextVar[_Collector | None] = ContextVar("capcut_mate_name_warnings", default=None)


@contextmanager
def collect(strict: bool = False) -> Iterator[list[dict[str, str]]]:
    """Unknown names inside the block become warnings (unless `strict`), gathered in the yielded list."""
    collector = _Collector(strict)
    token = _current.set(collector)
    try:
        yield collector.warnings
    finally:
        _current.reset(token)


def warn(field_name: str, value: str, message: str, *, code: str | None = None, zh: str | None = None) -> None:
    """Record a warning for the current request (dropped when nobody collects: callers outside the API).

    `code` names the kind of warning for clients that match on it; `zh` is the Chinese `message`, which the
    API answers with unless the client asked for English (api.name_warnings picks)."""
    collector = _current.get()
    if collector is not None:
        entry = {"field": field_name, "value": value, "message": message}
        if code is not None:
            entry = {"code": code, **entry}
        if zh is not None:
            entry["message_zh"] = zh
        collector.warnings.append(entry)


def unknown(field_name: str, value: str, message: str) -> None:
    """An unknown name: a 400 when strict or uncollected, else a warning and the field left out."""
    collector = _current.get()
    if collector is None or collector.strict:
        raise ApiError("VALIDATION_ERROR", f"{field_name}: {message}")
    warn(field_name, value, f"{message}; ignored (nothing written for this field)")


def find(enum_classes: Sequence[type[Enum]], name: str) -> tuple[Enum | None, str]:
    """(member, how): how is "exact", "alias" or "close"; (None, "") when nothing fits."""
    member = lookup(enum_classes, name)
    if member is not None:
        return member, "exact"
    for title in ALIASES.get(normalise(name), ()):
        if (member := lookup(enum_classes, title)) is not None:
            return member, "alias"
    titles = {title_of(m): m for enum_cls in enum_classes for m in enum_cls}
    close = difflib.get_close_matches(name, list(titles), n=2, cutoff=CLOSE_CUTOFF)
    if len(close) == 1:
        return titles[close[0]], "close"
    return None, ""


def resolve(enum_classes: Sequence[type[Enum]], name: str, field_name: str, endpoint: str) -> Enum | None:
    """The catalogue member `name` means, or None (warned, or a 400 when strict) when nothing fits."""
    wanted = name.strip() if isinstance(name, str) else ""
    member, how = find(enum_classes, wanted) if wanted else (None, "")
    if member is not None:
        if how == "close":
            warn(field_name, name, f"unknown name {name!r} taken as {title_of(member)!r}")
        return member
    titles = [title_of(m) for enum_cls in enum_classes for m in enum_cls]
    close = difflib.get_close_matches(str(name), titles, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    unknown(field_name, str(name), f"unknown name {name!r}; see {endpoint} for the names{hint}")
    return None


def search(enum_classes: Sequence[type[Enum]], query: str, limit: int) -> list[tuple[Enum, str]]:
    """Members whose title contains the query (case-blind), what its alias means, then close titles."""
    key = normalise(query)
    found: dict[str, tuple[Enum, str]] = {}
    member, how = find(enum_classes, query.strip())
    if member is not None:
        found[title_of(member)] = (member, how)
    for title in ALIASES.get(key, ()):
        if (member := lookup(enum_classes, title)) is not None:
            found.setdefault(title_of(member), (member, "alias"))
    members = [m for enum_cls in enum_classes for m in enum_cls]
    for member in members:
        if key and (key in normalise(title_of(member)) or key in normalise(member.name)):
            found.setdefault(title_of(member), (member, "contains"))
    titles = {title_of(m): m for m in members}
    for title in difflib.get_close_matches(query, list(titles), n=limit, cutoff=0.5):
        found.setdefault(title, (titles[title], "close"))
    return list(found.values())[:limit]
