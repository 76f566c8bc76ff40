"""The `capcut-mate render` and `plan` commands' bodies: progress bar, report printing, report file, plan file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pydantic
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from capcut_mate.render.engine import render_draft, render_plan
from capcut_mate.render.errors import RenderError
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.plan.model import Plan
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


def plan_command(draft_path: Path, options: RenderOptions) -> str:
    """The plan of a draft at these output settings, as the JSON `render --plan` reads."""
    document, _ = load_draft(draft_path)
    return build_plan(document, options).to_json()


def read_plan(path: Path) -> Plan:
    """A plan file written by `capcut-mate plan`; what does not fit is a PLAN_INVALID naming the field."""
    try:
        return Plan.from_json(path.read_bytes())
    except FileNotFoundError as exc:
        raise RenderError("PLAN_NOT_FOUND", f"plan file not found: {path}") from exc
    except pydantic.ValidationError as exc:
        raise RenderError(
            "PLAN_INVALID", f"{path} is not a plan written by `capcut-mate plan`: {exc}; write it again"
        ) from exc


def render_command(
    draft_path: Path | None,
    output: Path,
    options: RenderOptions,
    media_root: Path | None,
    remaps: Sequence[str],
    report_path: Path | None,
    console: Console,
    plan_path: Path | None = None,
) -> RenderReport:
    """Load, render with a progress bar, print warnings, write the report JSON (default: beside the MP4).

    With `plan_path` the saved plan is rendered; its media paths (as the draft wrote them) resolve against
    `draft_path` (a draft folder or file), else against the plan file's folder, like a draft's would.
    """
    plan: Plan | None = None
    document: dict[str, Any] = {}
    if plan_path is not None:
        plan = read_plan(plan_path)
        where = draft_path or plan_path.parent
        draft_dir = where if where.is_dir() else where.parent
    elif draft_path is not None:
        document, draft_dir = load_draft(draft_path)
    else:
        raise RenderError("BAD_ARGUMENT", "name a draft folder to render, or a plan file with --plan")
    resolver = DraftMediaResolver(draft_dir, media_root, parse_remaps(remaps))
    columns = (TextColumn("{task.description:<8}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("plan", total=1.0)

        def on_progress(stage: str, fraction: float) -> None:
            low, high = _STAGE_SPAN.get(stage, (0.0, 1.0))
            progress.update(task, description=stage, completed=low + (high - low) * fraction)

        if plan is None:
            report = render_draft(document, resolver, output, options, on_progress)
        else:
            report = render_plan(plan, resolver, output, options, on_progress)
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
