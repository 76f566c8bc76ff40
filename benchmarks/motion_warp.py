"""Which ffmpeg filter moves a layer at a fixed frame size (issue 21): CPU per frame and zoom precision.

    python -m benchmarks.motion_warp [--frames N] [--size WxH]

Each candidate zooms one still (the Ken Burns layer of the faceless short: 1.12 × a 1080-wide portrait
photo) from 1.0 to 1.12 over N frames and overlays it on a black 1080×1920 canvas, filter graph only (no
encoder). Printed: CPU ms per frame above the same graph without motion (the baseline, measured in the same
run), ÷ the old per-frame `scale` (which changes the frame size every frame, the crash), and, for the
candidates that zoom all the way, the worst distance of a bar's rendered centre from where the zoom curve puts it
and the largest frame-to-frame change of that error (jitter). Not a timed test: numbers are printed, never
asserted; the machine is shared, so compare rows of one run.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from rich.table import Table

from benchmarks.render_bench import console
from capcut_mate.ffmpeg import ffmpeg_exe

ZOOM = 0.12
CANVAS = (1080, 1920)
IN_SHARE = 1 / 6  # an in-animation of 0.5 s on a 3 s clip: the warp runs only then (enable=)
# The candidates whose zoom precision is measured (the same zoom curve, drawn in full).
PRECISE = ("scale eval=frame (before)", "perspective, fixed box (alpha)", "perspective, over black (no alpha)")


def still(path: Path, size: tuple[int, int]) -> Path:
    """Grey with two white bars at 1/4 and 3/4 of the width (what the precision columns measure)."""
    image = Image.new("RGB", size, (40, 40, 40))
    draw = ImageDraw.Draw(image)
    for centre in (size[0] // 4, 3 * size[0] // 4):
        draw.rectangle([centre - 10, 0, centre + 9, size[1] - 1], fill=(255, 255, 255))
    image.save(path)
    return path


def candidates(frames: int, size: tuple[int, int]) -> dict[str, str]:
    """name -> the layer's filter chain after `[0:v]` (ending in [l]) and its overlay, as one graph."""
    w, h = size
    loop = f"loop=loop={frames - 1}:size=1:start=0,settb=expr=1/30,setpts=N"
    base = f"color=c=black:s={CANVAS[0]}x{CANVAS[1]}:r=30,format=yuv420p,trim=end_frame={frames}[b]"
    grow = f"(1+{ZOOM}*n/{frames})/{1 + ZOOM}"  # shown scale ÷ the still's (its largest)
    shown = f"(1+{ZOOM}*(in-1)/{frames})/{1 + ZOOM}"
    bw, bh = w + 8, h + 8
    cx, cy = (bw - 1) / 2, (bh - 1) / 2
    # overlay rounds x/y down to even on a yuv420 canvas: place the box there and warp by the rest
    ox, oy = 2 * ((CANVAS[0] // 2 - bw // 2) // 2), 2 * ((CANVAS[1] // 2 - bh // 2) // 2)
    dx, dy = CANVAS[0] // 2 - bw // 2 - ox, CANVAS[1] // 2 - bh // 2 - oy
    corners = ":".join(
        f"x{i}='{cx + dx}+{shown}*{px - cx}':y{i}='{cy + dy}+{shown}*{py - cy}'"
        for i, (px, py) in enumerate(((0, 0), (bw, 0), (0, bh), (bw, bh)))
    )
    zp = f"{1 + ZOOM}/(1+{ZOOM}*(in-1)/{frames})"
    return {
        "no motion (baseline)": f"[0:v]format=yuv420p,{loop}[l];{base};[b][l]overlay=x={ox}:y={oy}:eval=init[o]",
        "scale eval=frame (before)": (
            f"[0:v]format=yuv420p,{loop},scale=w='iw*{grow}':h='ih*{grow}':eval=frame:flags=bilinear[l];{base};"
            f"[b][l]overlay=x='{CANVAS[0] // 2}-w/2':y='{CANVAS[1] // 2}-h/2':eval=frame[o]"
        ),
        "perspective, fixed box (alpha)": (
            f"[0:v]format=yuva420p,{loop},pad={bw}:{bh}:4:4:color=black@0,"
            f"perspective={corners}:sense=destination:eval=frame[l];{base};[b][l]overlay=x={ox}:y={oy}:eval=init[o]"
        ),
        "perspective, over black (no alpha)": (
            f"[0:v]format=yuv420p,{loop},pad={bw}:{bh}:4:4:color=black,"
            f"perspective={corners}:sense=destination:eval=frame[l];{base};[b][l]overlay=x={ox}:y={oy}:eval=init[o]"
        ),
        f"perspective (alpha), on for {IN_SHARE:.0%} of frames": (
            f"[0:v]format=yuva420p,{loop},pad={bw}:{bh}:4:4:color=black@0,"
            f"perspective={corners}:sense=destination:eval=frame:enable='lt(n,{round(frames * IN_SHARE)})'[l];"
            f"{base};[b][l]overlay=x={ox}:y={oy}:eval=init[o]"
        ),
        "zoompan yuv420p": (
            f"[0:v]format=yuv420p,{loop},zoompan=z='{zp}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:"
            f"s={w}x{h}:fps=30,setpts=N[l];{base};[b][l]overlay=x={ox + 4}:y={oy + 4}:eval=init[o]"
        ),
        "rotate, fixed box (no scale)": (
            f"[0:v]format=yuva420p,{loop},rotate=a='0.001*n':c=black@0:ow={bw}:oh={bh}[l];{base};"
            f"[b][l]overlay=x={ox}:y={oy}:eval=init[o]"
        ),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(graph: str, image: Path, out: Path | None) -> float:
    """CPU seconds of one ffmpeg run of `graph`; the frames go to `out` as raw grey when given."""
    sink = ["-f", "rawvideo", "-pix_fmt", "gray", str(out)] if out else ["-f", "null", "-"]
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", str(image)]
    cmd += ["-filter_complex_threads", "1", "-filter_complex", graph, "-map", "[o]", *sink]
    before = _children_cpu()
    subprocess.run(cmd, check=True)
    return _children_cpu() - before


def precision(raw: Path, frames: int, size: tuple[int, int]) -> tuple[float, float]:
    """(worst |error| px, largest frame-to-frame change of the error) of the right bar's centre."""
    picture = np.fromfile(raw, np.uint8).reshape(-1, CANVAS[1], CANVAS[0]).astype(float)
    xs = np.arange(CANVAS[0]) + 0.5
    errors = []
    for k in range(frames):
        row = np.clip(picture[k, CANVAS[1] // 2 + 100] - 60, 0, None)
        right = xs > CANVAS[0] / 2
        measured = (row * xs * right).sum() / (row * right).sum()
        scale = (1 + ZOOM * k / frames) / (1 + ZOOM)
        errors.append(measured - (CANVAS[0] / 2 + (3 * size[0] // 4 - size[0] / 2) * scale))
    jumps = np.abs(np.diff(errors))
    return float(np.max(np.abs(errors))), float(np.max(jumps))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.motion_warp", description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=90)
    parser.add_argument("--size", default="1210x1613", help="the still (the layer at its largest), WxH")
    args = parser.parse_args()
    size = (int(args.size.split("x")[0]), int(args.size.split("x")[1]))
    title = f"fixed-size motion candidates: zoom 1 -> {1 + ZOOM} of a {args.size} still, {args.frames} frames"
    table = Table(title=title)
    for name in ("candidate", "CPU ms/frame", "÷ before", "worst error px", "largest jump px"):
        table.add_column(name, justify="right")
    with tempfile.TemporaryDirectory(prefix="motion-warp-") as tmp:
        image = still(Path(tmp) / "still.png", size)
        graphs = candidates(args.frames, size)
        cpu = {name: run(graph, image, None) for name, graph in graphs.items()}
        base = cpu["no motion (baseline)"]
        extra = {name: max(0.0, seconds - base) * 1000 / args.frames for name, seconds in cpu.items()}
        before = extra["scale eval=frame (before)"]
        for name, graph in graphs.items():
            cells = ["—", "—"]
            if name in PRECISE:
                raw = Path(tmp) / "frames.gray"
                run(graph, image, raw)
                cells = [f"{value:.2f}" for value in precision(raw, args.frames, size)]
            ratio = f"{extra[name] / before:.1f}" if before > 0 and "baseline" not in name else "—"
            table.add_row(name, f"{extra[name]:.1f}", ratio, *cells)
    console.print(table)
    console.print(
        "CPU above the baseline graph (the still looped and overlaid without motion). 'before' changes the frame "
        "size every frame (refused by render/graph/check.py); the precision columns measure the right bar's centre "
        "against the zoom curve (zoompan can only crop into its input, so it draws another framing: not measured here; "
        "its window is whole, even pixels). The machine is shared: compare rows of one run."
    )


if __name__ == "__main__":
    main()
