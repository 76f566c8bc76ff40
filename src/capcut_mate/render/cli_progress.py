"""The `capcut-mate render` command's body: progress bar, report printing, report file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from capcut_mate.render.engine import render_draft
from capcut_mate.render.errors import RenderError
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.prepare.paths import DraftMediaResolver, load_draft
from capcut_mate.render.report import RenderReport

# Share of the bar given to each stage; encoding dominates.
_STAGE_SPAN = {"plan": (0.0, 0.02), "prepare": (0.02, 0.1), "encode": (0.1, 1.0), "done": (1.0, 1.0)}


def parse_remaps(remaps: Sequence[str]) -> list[tuple[str, str]]:
    """`OLD=NEW` strings -> pairs; a malformed one is a user error worth a clear message."""
    pairs = []
    for item in remaps:
        old, sep, new = item.partition("=")
        if not sep or not old:
            raise RenderError("BAD_ARGUMENT", f"--remap expects OLD=NEW, got {item!r}")
        pairs.append((old, new))
    return pairs


def render_command(
    draft_path: Path,
    output: Path,
    options: RenderOptions,
    media_root: Path | None,
    remaps: Sequence[str],
    report_path: Path | None,
    console: Console,
) -> RenderReport:
    """Load, render with a progress bar, print warnings, write the report JSON (default: beside the MP4)."""
    document, draft_dir = load_draft(draft_path)
    resolver = DraftMediaResolver(draft_dir, media_root, parse_remaps(remaps))
    columns = (TextColumn("{task.description:<8}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("plan", total=1.0)

        def on_progress(stage: str, fraction: float) -> None:
            low, high = _STAGE_SPAN.get(stage, (0.0, 1.0))
            progress.update(task, description=stage, completed=low + (high - low) * fraction)

        report = render_draft(document, resolver, output, options, on_progress)
    target = report_path or output.with_name(output.name + ".report.json")
    target.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    print_report(report, console)
    console.print(f"report: {target}")
    return report


def print_report(report: RenderReport, console: Console) -> None:
    seconds = report.duration_us / 1e6
    console.print(
        f"[green]wrote[/green] {report.output}: {report.width}x{report.height} @ {report.fps:g} fps, "
        f"{seconds:.3f} s, {report.size_bytes / 1e6:.1f} MB in {report.timings.get('total', 0):.1f} s"
    )
    for note in report.notes:
        console.print(f"note: {note}")
    if report.warnings:
        console.print(f"[yellow]{len(report.warnings)} warning(s): approximated or skipped[/yellow]")
        for w in report.warnings:
            console.print(f"  [{w['track']}] {w['segment_id']}: {w['feature']}: {w['message']}", markup=False)
