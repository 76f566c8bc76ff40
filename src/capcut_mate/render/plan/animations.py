"""Animation and transition names -> a few motion families ffmpeg can draw (§5).

The app's curves live in downloaded effect bundles, so a name is the only semantics a draft carries. Keyword
rules, checked in order, pick the nearest family; a name no rule matches gets None and the caller reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from capcut_mate.render.plan.model import Motion

Role = Literal["in", "out", "loop", "group", "transition"]

SLIDE = 0.3  # slide animations travel ~15 % of the canvas = 0.3 half-canvas units
FULL = 2.0  # a slide transition moves a clip by the whole canvas (2 half-canvas units)
TRANSITION_ZOOM = 1.3
FLIP_EDGE = 0.02  # a flip's narrowest width (share of the clip): edge-on, yet never a zero-size frame
TRANSITION_TURN = 90.0
INTRO_TURN = 180.0
# Periodic (loop/group) families: period µs and amplitude.
SPIN_PERIOD, SWING_PERIOD, PULSE_PERIOD, SHAKE_PERIOD, BLINK_PERIOD = 1_000_000, 1_000_000, 800_000, 100_000, 500_000
SWING_DEGREES, PULSE_SHARE, SHAKE_UNITS, BLINK_ALPHA = 15.0, 0.15, 0.02, 0.2
SCROLL = 1.0  # a scroll loop moves the centre from one canvas edge to the other (half-canvas units)
TRANSITION_SHAKE = 0.05  # half-canvas units a shaking transition jolts both clips by

Direction = tuple[float, float]

# Direction words: +x right, +y up (half-canvas units, like the clip transform).
_DIRECTION_WORDS: tuple[tuple[str, Direction], ...] = (
    ("左", (-1.0, 0.0)),
    ("left", (-1.0, 0.0)),
    ("右", (1.0, 0.0)),
    ("right", (1.0, 0.0)),
    ("上", (0.0, 1.0)),
    ("up", (0.0, 1.0)),
    ("下", (0.0, -1.0)),
    ("down", (0.0, -1.0)),
)


@dataclass(frozen=True)
class Family:
    """The nearest drawable family of a name, with what the name says about direction, turn and colour."""

    kind: str
    direction: Direction = (0.0, 0.0)
    clockwise: bool = True
    color: str = ""


def direction_of(name: str, default: Direction) -> Direction:
    """Sum of the direction words in a name (向右上 -> right+up); opposite words cancel to the default."""
    lowered = name.lower()
    dx = sum(d[0] for word, d in _DIRECTION_WORDS if word in lowered)
    dy = sum(d[1] for word, d in _DIRECTION_WORDS if word in lowered)
    dx, dy = max(-1.0, min(1.0, dx)), max(-1.0, min(1.0, dy))
    return (dx, dy) if (dx, dy) != (0.0, 0.0) else default


def _has(name: str, *words: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in words)


# (keywords, family kind) per role, first match wins; the order puts specific words before generic ones.
_FLASH = (("闪黑",), "flash_black"), (("闪白", "泛白", "白光快闪"), "flash_white")
_WIPE_WORDS = ("擦除", "擦开", "擦", "wipe")
_BLUR_WORDS = ("模糊", "blur")
_ROTATE_WORDS = ("旋转", "转入", "转出", "旋入", "旋出", "转圈", "漩涡", "顺时针", "逆时针", "rotate")
_SLIDE_WORDS = ("滑", "移", "甩入", "甩出", "甩动", "飞入", "飞出", "滚入", "滚出", "滚动", "拉屏", "拉幕", "划水",
                "摇镜", "slide", "push")  # fmt: skip
_ZOOM_IN_WORDS = ("放大", "推近", "拉近", "弹近", "飞近", "变焦", "zoom in")
_ZOOM_OUT_WORDS = ("缩小", "拉远", "推远", "弹远", "飞远", "zoom out")
_FADE_WORDS = ("渐显", "淡入", "渐隐", "淡出", "叠化", "溶解", "消散", "飘散", "晕开", "灼烧", "fade", "dissolve")
_SHAKE_WORDS = ("抖动", "震动", "颤抖", "晃动", "shake")
_TYPE_WORDS = ("打字", "typewriter")
# Wider name groups (issue 10), checked after the words above so a name's specific word still wins.
_FLIP_WORDS = ("翻转", "翻入", "翻出", "翻动", "翻页", "翻书", "翻卡", "翻篇", "空翻", "折叠", "立体", "立方", "魔方",
               "3d", "flip")  # fmt: skip
_LIGHT_WORDS = ("光", "闪现", "闪屏", "闪入", "闪出", "爆闪", "频闪", "闪切", "屏闪", "震闪", "闪烁", "flash", "glow")
_DARK_WORDS = ("眨眼", "快门")
_REVEAL_WORDS = ("开幕", "闭幕", "展开", "拉开", "分割", "百叶窗", "窗格", "切开", "撕", "扫描", "露出", "卡拉ok",
                 "变色输入", "显影", "日出", "日落", "生长", "斜切", "遮罩", "幕布", "横线", "竖线", "线条", "split",
                 "blinds")  # fmt: skip
_POP_IN_WORDS = ("弹入", "弹出", "弹跳", "弹性", "弹簧", "弹弓", "弹动", "跳入", "跳出", "顶出", "穿越", "冲屏", "鱼眼",
                 "扩大", "跃进", "冲撞", "点开", "果冻", "脉冲", "空间", "时空", "穿梭", "拉伸", "快速缩放", "拉框",
                 "bounce", "pop", "zoom")  # fmt: skip
_POP_OUT_WORDS = ("吸入", "吸出", "收缩", "收拢", "压缩", "挤压", "汇聚", "聚合", "聚集", "集合")
_SOFT_WORDS = ("虚影", "拖影", "拖尾", "雾化", "烟雾", "水墨", "晕染", "泼墨", "融化", "旋焦", "散焦", "马赛克")
_GLITCH_WORDS = ("故障", "震", "抖", "摇晃", "晃镜", "glitch")
# CapCut's catalogues (pyCapCut) add many English and newer Chinese names; their nearest families, checked last.
_CC_DARK = ("熄屏", "关机", "关闭", "电源", "tv off", "黑洞", "黑色", "黑白")
_CC_FLIP = ("折", "fold", "卡片", "抽卡", "洗牌", "tesseract", "turn table", "转盘")
_CC_TURN = ("旋", "swirl", "whirl", "扭转", "钟摆", "摆动")
_CC_LIGHT = ("闪", "light", "neon", "霓虹", "耀斑", "炫彩", "dazzle", "shimmer", "火",
             "焰", "燃烧", "burn", "爆", "金粉", "金沙", "流金", "彩虹", "rgb")  # fmt: skip
_CC_DROP = ("落", "坠", "drop", "飞走", "抬起", "抛", "投掷", "whip", "鞭",
            "拽", "扯", "爬", "下拉", "上划", "挥", "掉", "滚")  # fmt: skip
_CC_REVEAL = ("刷", "brush", "划", "刮", "拉链", "切", "cut", "cross", "reveal",
              "揭示", "显现", "显示", "open", "close", "拼", "puzzle", "grid", "网格",
              "分屏", "三屏", "分区", "面板", "窗", "tear", "裁", "剪", "门",
              "portal", "涂鸦", "贴", "纸", "oblique", "斜线")  # fmt: skip
_CC_POP_IN = ("缩放", "冲击", "碰撞", "撞", "砸", "impact", "bump", "pass through", "放射",
              "虫洞", "传送", "隧道", "tunnel")  # fmt: skip
_CC_POP_OUT = ("缩远", "远离", "shrink", "皱缩", "吸收", "吃掉")
_CC_SOFT = ("焦", "focus", "影", "烟", "雾", "涂抹", "波纹", "涟漪", "荡漾",
            "水波", "水滴", "水纹", "ripple", "wave", "waterdrop", "slosh", "液", "玻璃",
            "glass", "镜头", "lens", "折射", "梦", "dream", "幻", "热成像", "thermal",
            "像素", "pixel")  # fmt: skip
_CC_DISSOLVE = ("消失", "褪色", "融", "meld", "粒子", "particle", "花瓣", "雪", "散",
                "飘", "云", "cloud", "泡", "bubble")  # fmt: skip
_CC_GLITCH = ("错误", "error", "乱码", "信号", "失真", "噪", "杂", "扭曲", "twist",
              "tv", "电视", "显示器", "crt", "flicker", "干扰", "短路", "负片", "色差",
              "赛博", "cyber", "jerky", "shaky", "shudder", "晃", "摇", "颠覆", "混乱",
              "破", "碎", "裂", "shatter", "胶片", "胶卷", "film", "放映", "复古",
              "旧", "老", "vhs", "录像", "电流", "电子")  # fmt: skip
_CAPCUT_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (_CC_DARK, "flash_black"),
    (_CC_FLIP, "flip"),
    (_CC_TURN, "rotate"),
    (_CC_LIGHT, "flash_white"),
    (_CC_DROP, "drop"),
    (_CC_REVEAL, "wipe"),
    (_CC_POP_IN, "zoom_in"),
    (_CC_POP_OUT, "zoom_out"),
    (_CC_SOFT, "blur"),
    (_CC_DISSOLVE, "fade"),
    (_CC_GLITCH, "shake"),
)


def classify(name: str, role: Role) -> Family | None:
    """The family a catalogue name is drawn as, or None when no rule fits (the caller reports it)."""
    for words, kind in _FLASH:
        if _has(name, *words):
            return Family(kind, color="black" if kind == "flash_black" else "white")
    if role in ("loop", "group"):
        return _classify_loop(name)
    if role == "transition" and _has(name, "叠化", "溶解", "dissolve", "cross fade", "crossfade", "mix", "叠加"):
        return Family("dissolve")
    if _has(name, *_WIPE_WORDS) or (role != "transition" and _has(name, *_TYPE_WORDS)):
        return Family("wipe", direction_of(name, (1.0, 0.0)))
    if _has(name, *_BLUR_WORDS):
        return Family("blur")
    if _has(name, *_ROTATE_WORDS):
        return Family("rotate", clockwise=not _has(name, "逆时针", "counterclockwise"))
    if _has(name, *_SLIDE_WORDS) or (role == "transition" and _has(name, "向左", "向右", "向上", "向下")):
        return Family("slide", direction_of(name, (-1.0, 0.0)))
    if _has(name, *_ZOOM_IN_WORDS):
        return Family("zoom_in")
    if _has(name, *_ZOOM_OUT_WORDS):
        return Family("zoom_out")
    if _has(name, *_FADE_WORDS):
        return Family("fade")
    if _has(name, *_SHAKE_WORDS):
        return Family("shake")
    return _classify_wider(name, role)


def _classify_wider(name: str, role: Role) -> Family | None:
    """Name groups drawn by their nearest family: flips, light bursts, reveals, pops, soft dissolves, glitches."""
    if _has(name, *_FLIP_WORDS):
        vertical = _has(name, "上", "下", "vertical")
        return Family("flip", (0.0, 1.0) if vertical else (1.0, 0.0))
    if _has(name, *_LIGHT_WORDS):
        return Family("flash_white", color="white")
    if _has(name, *_DARK_WORDS):
        return Family("flash_black", color="black")
    if _has(name, *_REVEAL_WORDS):
        return Family("wipe", direction_of(name, (1.0, 0.0)))
    if _has(name, *_POP_IN_WORDS):
        return Family("zoom_in")
    if _has(name, *_POP_OUT_WORDS):
        return Family("zoom_out")
    if _has(name, *_SOFT_WORDS):
        return Family("blur")
    if _has(name, *_GLITCH_WORDS):
        return Family("shake")
    return _classify_capcut(name)


def _classify_capcut(name: str) -> Family | None:
    """The word groups CapCut's catalogues need (English names, newer effects), each to its nearest family."""
    for words, kind in _CAPCUT_GROUPS:
        if not _has(name, *words):
            continue
        if kind == "flash_black":
            return Family(kind, color="black")
        if kind == "flash_white":
            return Family(kind, color="white")
        if kind == "drop":  # things that fall, are thrown or dragged: a slide, downwards unless the name says
            return Family("slide", direction_of(name, (0.0, -1.0)))
        if kind == "wipe":
            return Family(kind, direction_of(name, (1.0, 0.0)))
        if kind == "flip":
            return Family(kind, (0.0, 1.0) if _has(name, "上", "下", "vertical") else (1.0, 0.0))
        if kind == "rotate":
            return Family(kind, clockwise=not _has(name, "逆时针", "counterclockwise"))
        return Family(kind)
    return None


def _classify_loop(name: str) -> Family | None:
    """Whole-segment (group) and text loop animations: a periodic approximation for a few families."""
    swings = ("摇摆", "钟摆", "秋千", "摇荡", "海盗船", "摇晃", "雨刷", "波浪", "波动", "扭动", "过山车", "滑滑梯")
    if _has(name, "滚动", "弹幕", "刷屏", "scroll"):
        return Family("scroll", direction_of(name, (-1.0, 0.0)))
    if _has(name, *swings, "swing", "wave"):
        return Family("swing")
    spins = ("旋转", "转圈", "陀螺", "绕圈", "转动", "旋入", "旋出", "转入", "斜转", "翻转", "立方体", "魔方", "环绕")
    if _has(name, *spins, "漩涡", "spin"):
        return Family("spin", clockwise=not _has(name, "逆时针"))
    if _has(name, "闪烁", "闪动", "爆闪", "频闪", "blink", "光", "火焰", "彩色"):  # glows and colour cycles too
        return Family("blink")
    pulses = (
        "缩放",
        "放大",
        "缩小",
        "心跳",
        "跳动",
        "弹动",
        "伸缩",
        "悸动",
        "哈哈镜",
        "拉伸",
        "形变",
        "拉镜",
        "悠悠球",
    )
    emphasis = ("吹泡泡", "喷涌", "呐喊", "扩音器", "强调", "急了", "调皮", "拉住", "拉开", "上弧")
    if _has(name, *pulses, *emphasis, "弹跳", "跳跳", "漂浮", "飘起", "pulse"):
        return Family("pulse")
    if _has(name, *_SHAKE_WORDS, "颤抖", "晃", "故障", "vhs", "错位"):
        return Family("shake")
    return None


def animation_motions(family: Family, role: Role, start: int, length: int) -> list[Motion]:
    """Motions for an intro (`in`), outro (`out`) or periodic animation over [start, start + length)."""
    intro = role == "in"
    kind = family.kind
    if kind == "fade":
        return [Motion("fade_in" if intro else "fade_out", start, length)]
    if kind in ("flash_black", "flash_white"):
        return [Motion("fade_in" if intro else "fade_out", start, length, color=family.color)]
    if kind == "slide":
        offset = (family.direction[0] * SLIDE, family.direction[1] * SLIDE)
        back = (-offset[0], -offset[1])
        values = (back, (0.0, 0.0)) if intro else ((0.0, 0.0), offset)
        return [Motion("slide", start, length, *values)]
    if kind in ("zoom_in", "zoom_out"):
        grow = kind == "zoom_in"
        if intro:
            first = 0.6 if grow else 1.4
            return [Motion("zoom", start, length, (first, first), (1.0, 1.0))]
        last = 1.4 if grow else 0.6
        return [Motion("zoom", start, length, (1.0, 1.0), (last, last))]
    if kind == "rotate":
        turn = INTRO_TURN if family.clockwise else -INTRO_TURN
        values = ((-turn, 0.0), (0.0, 0.0)) if intro else ((0.0, 0.0), (turn, 0.0))
        return [Motion("rotate", start, length, *values)]
    if kind == "blur":
        values = ((1.0, 0.0), (0.0, 0.0)) if intro else ((0.0, 0.0), (1.0, 0.0))
        return [Motion("blur", start, length, *values)]
    if kind == "flip":  # turning about the vertical (or horizontal) axis: that axis' scale from an edge
        edge = (FLIP_EDGE, 1.0) if family.direction[0] else (1.0, FLIP_EDGE)
        values = (edge, (1.0, 1.0)) if intro else ((1.0, 1.0), edge)
        return [Motion("zoom", start, length, *values)]
    if kind == "wipe":
        if intro:
            return [Motion("wipe", start, length, (0.0, 0.0), (1.0, 0.0), family.direction)]
        # An outro wiping along d erases from the far side: a reveal along -d, played backwards.
        back = (-family.direction[0], -family.direction[1])
        return [Motion("wipe", start, length, (1.0, 0.0), (0.0, 0.0), back)]
    return _periodic(family, start, length)


def _periodic(family: Family, start: int, length: int) -> list[Motion]:
    kind = family.kind
    if kind == "spin":
        turn = 360.0 if family.clockwise else -360.0
        return [Motion("spin", start, length, (turn, 0.0), period_us=SPIN_PERIOD)]
    if kind == "swing":
        return [Motion("swing", start, length, (SWING_DEGREES, 0.0), period_us=SWING_PERIOD)]
    if kind == "pulse":
        return [Motion("pulse", start, length, (PULSE_SHARE, 0.0), period_us=PULSE_PERIOD)]
    if kind == "shake":
        return [Motion("shake", start, length, (SHAKE_UNITS, SHAKE_UNITS), period_us=SHAKE_PERIOD)]
    if kind == "blink":
        return [Motion("blink", start, length, (BLINK_ALPHA, 0.0), period_us=BLINK_PERIOD)]
    if kind == "scroll":  # a bullet-comment crawl: across the canvas once, towards the named side
        d = (family.direction[0] * SCROLL, family.direction[1] * SCROLL)
        return [Motion("slide", start, length, (-d[0], -d[1]), d)]
    return []


@dataclass
class TransitionMotions:
    """What a transition adds to the outgoing and incoming clips (local times of each) and their overlap."""

    outgoing: list[Motion]
    incoming: list[Motion]
    tail_us: int  # outgoing held past the cut
    lead_us: int  # incoming shown before the cut


def transition_motions(family: Family, half: int, outgoing_duration: int) -> TransitionMotions:
    """Per-family motions over the window [cut - half, cut + half] (§5); the incoming clip is on top."""
    out_start, window = outgoing_duration - half, 2 * half
    kind = family.kind
    if kind in ("flash_black", "flash_white"):
        # Through a colour: A fades to it before the cut, B fades from it after; no overlap.
        return TransitionMotions(
            [Motion("fade_out", out_start, half, color=family.color)],
            [Motion("fade_in", 0, half, color=family.color)],
            0,
            0,
        )
    if kind == "flip":  # A turns edge-on by the cut, B turns from edge-on after it; no overlap
        edge = (FLIP_EDGE, 1.0) if family.direction[0] else (1.0, FLIP_EDGE)
        return TransitionMotions(
            [Motion("zoom", out_start, half, (1.0, 1.0), edge)], [Motion("zoom", 0, half, edge, (1.0, 1.0))], 0, 0
        )
    fade_in = Motion("fade_in", -half, window)
    if kind == "slide":
        d = (family.direction[0] * FULL, family.direction[1] * FULL)
        return TransitionMotions(
            [Motion("slide", out_start, window, (0.0, 0.0), d)],
            [Motion("slide", -half, window, (-d[0], -d[1]), (0.0, 0.0))],
            half,
            half,
        )
    if kind == "wipe":
        return TransitionMotions(
            [], [Motion("wipe", -half, window, (0.0, 0.0), (1.0, 0.0), family.direction)], half, half
        )
    if kind in ("zoom_in", "zoom_out"):
        z = TRANSITION_ZOOM if kind == "zoom_in" else 1 / TRANSITION_ZOOM
        return TransitionMotions(
            [Motion("zoom", out_start, window, (1.0, 1.0), (z, z))],
            [fade_in, Motion("zoom", -half, window, (1 / z, 1 / z), (1.0, 1.0))],
            half,
            half,
        )
    if kind == "rotate":
        turn = TRANSITION_TURN if family.clockwise else -TRANSITION_TURN
        return TransitionMotions(
            [Motion("rotate", out_start, window, (0.0, 0.0), (turn, 0.0))],
            [fade_in, Motion("rotate", -half, window, (-turn, 0.0), (0.0, 0.0))],
            half,
            half,
        )
    if kind == "shake":  # a dissolve while both clips jolt
        jolt = (TRANSITION_SHAKE, TRANSITION_SHAKE)
        return TransitionMotions(
            [Motion("shake", out_start, window, jolt, period_us=SHAKE_PERIOD)],
            [fade_in, Motion("shake", -half, window, jolt, period_us=SHAKE_PERIOD)],
            half,
            half,
        )
    if kind == "blur":  # sharpest blur at the cut: A blurs up to it, B clears after it
        return TransitionMotions(
            [Motion("blur", out_start, half, (0.0, 0.0), (1.0, 0.0))],
            [fade_in, Motion("blur", 0, half, (1.0, 0.0), (0.0, 0.0))],
            half,
            half,
        )
    return TransitionMotions([], [fade_in], half, half)  # dissolve, and the fallback for everything else
