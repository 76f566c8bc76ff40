"""Motions (model.Motion) -> ffmpeg expression terms and per-layer filters.

Terms are added to what the graph already computes from the clip and its keyframes: extra degrees of
rotation, a scale factor, a position offset. Blur, wipe and blink become filters on the layer's own frames
(local time); blur and blink change a filter option every frame through sendcmd, a wipe is a geq on alpha
enabled only inside its window.
"""

from __future__ import annotations

from collections.abc import Sequence

from capcut_mate.render.graph.expr import num, piecewise
from capcut_mate.render.plan.model import Motion

# Motion kinds whose frames need an alpha channel.
ALPHA_KINDS = {"fade_in", "fade_out", "rotate", "wipe", "spin", "swing", "blink"}
# Strongest blur (strength 1) as a Gaussian sigma, as a share of the canvas's short side.
BLUR_SHARE = 1 / 40
WIPE_SOFT_PX = 2.0  # half-width of the wipe's edge ramp


def needs_alpha(motions: Sequence[Motion]) -> bool:
    return any(m.kind in ALPHA_KINDS and not m.color for m in motions)


def _ramp(motions: Sequence[Motion], kind: str, var: str) -> list[str]:
    """Each `kind` motion as a linear from -> to curve of its x value over its window (held outside)."""
    terms = []
    for m in motions:
        if m.kind == kind:
            points = [(m.start_us, m.start_value[0]), (m.start_us + m.duration_us, m.end_value[0])]
            terms.append(piecewise(points, var))
    return terms


def _within(m: Motion, var: str, term: str, outside: str = "0") -> str:
    """`term` inside the motion's window, `outside` elsewhere; `phase` in the term is the periods elapsed."""
    start, end = m.start_us / 1e6, (m.start_us + m.duration_us) / 1e6
    phase = f"(({var})-{num(start)})/{num(m.period_us / 1e6)}"
    return f"if(between({var},{num(start)},{num(end)}),{term.replace('phase', phase)},{outside})"


def rotation_term(motions: Sequence[Motion], var: str) -> str | None:
    """Extra clockwise degrees: rotate animations (held at their end value) plus spin/swing loops."""
    terms = _ramp(motions, "rotate", var)
    for m in motions:
        if m.kind == "spin":
            terms.append(_within(m, var, f"{num(m.start_value[0])}*phase"))
        elif m.kind == "swing":
            terms.append(_within(m, var, f"{num(m.start_value[0])}*sin(2*PI*phase)"))
    return "+".join(f"({t})" for t in terms) if terms else None


def scale_factor(motions: Sequence[Motion], var: str) -> str | None:
    """Pulse loops: shrink by up to the amplitude and back each period (never above 1: frames only shrink)."""
    terms = [_within(m, var, f"{num(m.start_value[0])}*(1-cos(2*PI*phase))/2") for m in motions if m.kind == "pulse"]
    return f"(1-({'+'.join(terms)}))" if terms else None


def offset_term(motions: Sequence[Motion], axis: int, var: str) -> str | None:
    """Shake loops: a small jitter in half-canvas units (two incommensurate sines so it does not look like a slide)."""
    speed = "" if axis == 0 else "*1.7"
    terms = [
        _within(m, var, f"{num(m.start_value[axis])}*sin(2*PI*phase{speed})") for m in motions if m.kind == "shake"
    ]
    return "+".join(terms) if terms else None


def filters(
    index: int, motions: Sequence[Motion], offset: float, fmt: str, canvas: tuple[int, int], end_s: float
) -> tuple[list[str], dict[str, str]]:
    """Blur and blink filters for one layer: (chain steps, sendcmd side files by name).

    `offset` is the filter-local time of the segment start (the transition lead); `end_s` the last local time.
    """
    steps: list[str] = []
    side: dict[str, str] = {}
    local_cmd = f"(T-{num(offset)})"
    blur = _ramp(motions, "blur", local_cmd)
    if blur:
        sigma = min(canvas) * BLUR_SHARE
        expr = f"max(0,{num(sigma)}*({'+'.join(blur)}))"
        name = f"blur{index}.cmd"
        side[name] = f"0-{num(end_s)} [expr] gblur@mb{index} sigma '{expr}';\n"
        steps += [f"sendcmd=f={name}", f"gblur@mb{index}=sigma=0"]
    blinks = [m for m in motions if m.kind == "blink"]
    if blinks:
        dips = "*".join(
            _within(m, local_cmd, f"1-{num(1 - m.start_value[0])}*(1-cos(2*PI*phase))/2", outside="1") for m in blinks
        )
        name = f"blink{index}.cmd"
        side[name] = f"0-{num(end_s)} [expr] colorchannelmixer@mk{index} aa '{dips}';\n"
        steps += [f"sendcmd=f={name}", f"colorchannelmixer@mk{index}=aa=1"]
    return steps, side


def wipes(index: int, motions: Sequence[Motion], offset: float, fmt: str) -> list[str]:
    """Wipe filters for one layer (geq on alpha). They run on the layer's own frames, before its warp; since
    every frame keeps one size (transform.py), the order no longer guards against a crash."""
    return [_wipe(m, offset, fmt, f"{index}_{n}") for n, m in enumerate(m for m in motions if m.kind == "wipe")]


def _wipe(m: Motion, offset: float, fmt: str, name: str) -> str:
    """Alpha times a moving edge: the revealed share p grows along `direction` (+x right, +y up)."""
    start, end = m.start_us / 1e6 + offset, (m.start_us + m.duration_us) / 1e6 + offset
    p = piecewise([(m.start_us, m.start_value[0]), (m.start_us + m.duration_us, m.end_value[0])], f"(T-{num(offset)})")
    dx, dy = m.direction
    if abs(dx) >= abs(dy):
        coord, size = "X", "W"
        ahead = dx >= 0  # the edge runs right: the left part is revealed
    else:
        coord, size = "Y", "H"
        ahead = dy < 0  # the edge runs down: the top part is revealed
    distance = f"({size}*({p})-{coord})" if ahead else f"({coord}-{size}*(1-({p})))"
    factor = f"clip({distance}/{num(2 * WIPE_SOFT_PX)}+0.5,0,1)"
    colour = "r='r(X,Y)':g='g(X,Y)':b='b(X,Y)'" if fmt == "rgba" else "lum='lum(X,Y)':cb='cb(X,Y)':cr='cr(X,Y)'"
    # Before the window the layer is hidden (p = start) or shown; geq only runs where p can be partial.
    before = m.start_value[0] < 1.0
    window = f"lte(t,{num(end)})" if before else f"gte(t,{num(start)})"
    return f"geq@w{name}={colour}:a='alpha(X,Y)*{factor}':enable='{window}'"
