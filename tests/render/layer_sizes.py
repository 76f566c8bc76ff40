"""The frame sizes each layer of a draft really produces: its graph run with a showinfo tap per layer."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render import DraftMediaResolver, RenderOptions
from capcut_mate.render.graph.build import Graph, build_graph
from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.prepare.inputs import Preparer

_LAYER_END = re.compile(r"\[(L\d+)\]\s*$")
_SIZE = re.compile(r"\[showinfo@(L\d+) @ [^\]]*\] n:\s*\d+ .*? s:(\d+)x(\d+)")


def single_pass_graph(draft: dict[str, Any], media_dir: Path, work_dir: Path) -> Graph:
    """The video graph the renderer builds for a single pass over the whole draft (never chunked)."""
    plan = build_plan(draft, RenderOptions(chunk_seconds=0))
    prepared = Preparer(plan, DraftMediaResolver(media_dir), work_dir, None).run(audio=False)
    return build_graph(plan, prepared, audio=False)


def layer_frame_sizes(draft: dict[str, Any], media_dir: Path, work_dir: Path) -> dict[str, set[tuple[int, int]]]:
    """Layer label (L<index>) -> the set of frame sizes that reached its overlay, over the whole draft.

    The single-pass graph runs to a null output, so every filter but the encoder's runs (with the caller's
    environment).
    """
    graph = single_pass_graph(draft, media_dir, work_dir)
    lines = []
    for line in graph.script.rstrip().split(";\n"):
        found = _LAYER_END.search(line)
        if found:
            line = line[: found.start()] + f",showinfo@{found.group(1)}=checksum=0[{found.group(1)}]"
        lines.append(line)
    (work_dir / "sizes.txt").write_text(";\n".join(lines) + "\n", encoding="utf-8")
    for name, content in graph.side_files.items():
        (work_dir / name).write_text(content, encoding="utf-8")
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "info"]
    for group in graph.inputs:
        args += group
    args += ["-filter_complex_threads", "1", "-/filter_complex", "sizes.txt", "-map", "[vout]", "-f", "null", "-"]
    done = subprocess.run(args, cwd=work_dir, capture_output=True, text=True, errors="replace", check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    sizes: dict[str, set[tuple[int, int]]] = {}
    for label, width, height in _SIZE.findall(done.stderr):
        sizes.setdefault(label, set()).add((int(width), int(height)))
    return sizes
