"""One render in its own process: `python -m capcut_mate.jobs.render_one SPEC_JSON`.

Isolation is the point: ffmpeg or a decoder crashing, or the OS killing the render for memory, never takes
the server or the worker down. The child speaks JSON lines on stdout ({"stage", "fraction"}, then one
{"result": report} or {"error": {"code", "message"}}, code UNAVAILABLE when the database or bucket was
down). In cluster mode (spec "farm") a render of several chunks spreads them over the cluster's workers
(jobs/farm.py) and asks for helpers with {"helpers": n}; spec "mode": "help" is such a helper: it renders
waiting units of another worker's render.

The parent hands over the read end of a pipe whose write end only it holds: when the parent dies (even by
SIGKILL) the pipe hits EOF and the child kills its whole process group, ffmpeg included, so no orphan keeps
rendering a task someone else will redo.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.jobs.resolver import service_resolver
from capcut_mate.outages import unavailable

# Renders are batch work: at a lower CPU priority (inherited by ffmpeg) the API stays responsive while
# encoders use every core that is otherwise idle.
RENDER_NICENESS = 19


def _jsonable(value: object) -> object:
    """Numbers the report may carry as Fraction/Decimal/numpy become floats; anything else its text."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def _emit(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields, ensure_ascii=False, default=_jsonable) + "\n")
    sys.stdout.flush()


def _die_with_parent(fd: int) -> None:
    def watch() -> None:
        while os.read(fd, 4096):
            pass
        os.killpg(os.getpgid(0), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def output_options(draft: dict[str, Any], requested: dict[str, Any] | None) -> Any:
    """RenderOptions for gen_video's choices (render/formats.py); none given = today's defaults."""
    from capcut_mate.render import RenderOptions
    from capcut_mate.render.formats import SHORT_SIDE, X264, OutputChoice, short_side_size
    from capcut_mate.render.plan.build import build_plan

    choice = OutputChoice.from_dict(requested)
    quality = choice.quality or "standard"
    preset, crf = X264[quality]
    width, height = choice.width, choice.height
    if choice.resolution is not None:
        plan = build_plan(draft)
        width, height = short_side_size((plan.canvas_width, plan.canvas_height), SHORT_SIDE[choice.resolution])
    return RenderOptions(
        width=width,
        height=height,
        fps=choice.fps,
        preset=preset,
        crf=crf,
        format=choice.format or "mp4",
        quality=quality,
    )


def _local_options(spec: dict[str, Any], options: Any) -> None:
    """This machine's own settings from the spec onto `options`: ffmpeg, fonts, scratch, chunking."""
    options.ffmpeg, options.work_dir = spec["ffmpeg"], Path(spec["work_dir"])
    options.font_dir = Path(spec["font_dir"]) if spec.get("font_dir") else None
    options.system_fonts = spec.get("system_fonts", True)
    for key in ("chunk_seconds", "chunk_workers"):
        if spec.get(key) is not None:
            setattr(options, key, spec[key])


def _ffmpeg(spec: dict[str, Any]) -> str:
    from capcut_mate.render import RenderError

    try:
        return ffmpeg_exe(spec.get("ffmpeg"))
    except FileNotFoundError as exc:
        raise RenderError("FFMPEG_MISSING", str(exc)) from exc


def render(spec: dict[str, Any], farm: Any = None) -> None:
    """The whole render of a task; `farm` (cluster mode) renders its chunks on any worker."""
    from capcut_mate.render import load_draft, render_draft
    from capcut_mate.render.chunking.units import render_chunks

    try:
        draft, draft_dir = load_draft(Path(spec["draft_dir"]))
        _emit(stage="parsed", fraction=1.0)
        spec = {**spec, "ffmpeg": _ffmpeg(spec)}
        output = Path(spec["output"])
        Path(spec["work_dir"]).mkdir(parents=True, exist_ok=True)
        output.parent.mkdir(parents=True, exist_ok=True)
        _emit(stage="ready", fraction=1.0)
        options = output_options(draft, spec.get("options"))
        _local_options(spec, options)
        chunks = render_chunks
        if farm is not None:
            from capcut_mate.jobs.farm import ClusterChunks

            chunks = ClusterChunks(farm, spec["task_id"], spec["owner"], draft, lambda n: _emit(helpers=n))
        report = render_draft(
            draft,
            service_resolver(draft, draft_dir),
            output,
            options,
            on_progress=lambda stage, fraction: _emit(stage=stage, fraction=fraction),
            chunks=chunks,
        )
        _emit(result={**report.to_dict(), "requested": spec.get("options") or {}})
    except Exception as exc:
        _emit_failure(exc)


def help_units(spec: dict[str, Any], farm: Any) -> None:
    """Render waiting units of the task's chunked render (another worker's) until none waits."""
    from capcut_mate.jobs.farm import help_render
    from capcut_mate.render import RenderOptions

    try:
        options = RenderOptions()
        _local_options({**spec, "ffmpeg": _ffmpeg(spec)}, options)
        draft_dir = Path(spec["draft_dir"])
        resolve = functools.partial(service_resolver, draft_dir=draft_dir)  # for the draft it fetches
        rendered = help_render(farm, spec["task_id"], spec["owner"], Path(spec["work_dir"]), options, resolve)
        _emit(result={"units": rendered})
    except Exception as exc:
        _emit_failure(exc)


def _emit_failure(exc: Exception) -> None:
    from capcut_mate.render import RenderError

    dependency = unavailable(exc)
    if dependency is not None:  # the worker hands the task back for a retry (jobs/worker.py)
        _emit(error={"code": "UNAVAILABLE", "message": f"{dependency} unavailable ({type(exc).__name__})"})
    elif isinstance(exc, RenderError):
        _emit(error={"code": exc.code, "message": exc.message, "debug": exc.debug})
    elif isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        _emit(error={"code": "DISK_FULL", "message": f"no space left on the device writing {exc.filename or ''}"})
    else:
        traceback.print_exception(exc)
        _emit(error={"code": "INTERNAL", "message": f"{type(exc).__name__}: {exc}"})


def main() -> None:
    from capcut_mate.services import render_process_farm

    spec = json.loads(sys.argv[1])
    _die_with_parent(int(spec["parent_fd"]))
    os.nice(RENDER_NICENESS)
    farm = render_process_farm() if spec.get("farm") else None
    try:
        if spec.get("mode") == "help":
            help_units(spec, farm)
        else:
            render(spec, farm)
    finally:
        if farm is not None:
            farm.chunks.db.close()


if __name__ == "__main__":
    main()
