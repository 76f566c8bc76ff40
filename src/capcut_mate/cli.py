"""Command line: `capcut-mate serve | worker | plan | render | preview | mcp | demo | migrate | import-drafts`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypedDict, TypeVar

import typer

if TYPE_CHECKING:  # rich loads with the command that prints
    from rich.console import Console

app = typer.Typer(
    help="Build CapCut/JianYing drafts over HTTP and render them to MP4 headlessly.", no_args_is_help=True
)


@app.callback()
def main() -> None:
    """capcut-mate: the HTTP API, render workers, and the draft renderer."""


Params = ParamSpec("Params")
Result = TypeVar("Result")


class SettingsOverrides(TypedDict, total=False):
    """The settings a command's options give; the others come from the environment (and its defaults)."""

    data_dir: Path
    public_url: str
    in_process_workers: bool


def setup_errors(command: Callable[Params, Result]) -> Callable[Params, Result]:
    """A setting that asks for libraries not installed (cluster mode without its extra) is one line on stderr
    saying what to install, and exit status 2, not a traceback."""

    @functools.wraps(command)
    def wrapped(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        from capcut_mate.services import MissingExtra

        try:
            return command(*args, **kwargs)
        except MissingExtra as exc:
            typer.echo(f"capcut-mate {command.__name__.replace('_', '-')}: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapped


@app.command()
@setup_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(30000, help="TCP port"),
    data_dir: Path | None = typer.Option(None, help="Data directory (env CAPCUT_MATE_DATA_DIR)"),
    public_url: str | None = typer.Option(None, help="Base of handed-out URLs (env CAPCUT_MATE_PUBLIC_URL)"),
    workers: bool | None = typer.Option(
        None, "--workers/--no-workers", help="Run render workers in this process (env CAPCUT_MATE_IN_PROCESS_WORKERS)"
    ),
) -> None:
    """Run the HTTP API on embedded defaults (SQLite + local folders under the data directory)."""
    import uvicorn

    from capcut_mate.api.app import create_app
    from capcut_mate.config import Settings

    overrides: SettingsOverrides = {} if workers is None else {"in_process_workers": workers}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if public_url is not None:
        overrides["public_url"] = public_url  # else CAPCUT_MATE_PUBLIC_URL, else each client's own Host header
    settings = Settings(**overrides)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command()
@setup_errors
def worker(
    data_dir: Path | None = typer.Option(None, help="Data directory shared with the server (env CAPCUT_MATE_DATA_DIR)"),
    count: int | None = typer.Option(None, help="Renders at once (env CAPCUT_MATE_RENDER_WORKERS)"),
) -> None:
    """Render queued gen_video tasks in this process, next to a server started with --no-workers (or more)."""
    import logging

    from capcut_mate.config import Settings
    from capcut_mate.services import Services

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides: SettingsOverrides = {} if data_dir is None else {"data_dir": data_dir}
    svc = Services.from_settings(Settings(**overrides))
    workers = count or svc.settings.render_workers
    where = "PostgreSQL" if svc.settings.database_url else svc.settings.data_dir.resolve()
    typer.echo(f"capcut-mate worker: {workers} render(s) at once on {where}")
    try:
        svc.worker_pool(workers).run_forever()
    finally:
        svc.close()


@app.command("import-drafts")
@setup_errors
def import_drafts(
    source: Path = typer.Argument(..., help="The data directory of an embedded installation"),
) -> None:
    """Copy every draft of an embedded data directory into the configured store (cluster: the bucket and
    PostgreSQL), making material paths relative to each draft folder. Safe to run again."""
    from capcut_mate.config import Settings
    from capcut_mate.drafts.ids import validate_draft_id
    from capcut_mate.errors import ApiError
    from capcut_mate.services import Services

    svc = Services.from_settings(Settings())
    imported, skipped = 0, []
    try:
        for folder in sorted((source / "drafts").iterdir()):
            try:
                svc.drafts.import_folder(validate_draft_id(folder.name), folder)
                imported += 1
            except ApiError as exc:
                skipped.append(f"{folder.name}: {exc.details}")
    finally:
        svc.close()
    typer.echo(f"{imported} draft(s) imported")
    for line in skipped:
        typer.echo(f"skipped {line}", err=True)


@app.command()
@setup_errors
def migrate(
    database_url: str | None = typer.Option(None, help="postgresql://... (env CAPCUT_MATE_DATABASE_URL)"),
) -> None:
    """Create or upgrade the PostgreSQL schema (capcut-mate's tables and procrastinate's); idempotent."""
    from capcut_mate.config import Settings

    url = database_url or Settings().database_url
    if not url:
        typer.echo("set CAPCUT_MATE_DATABASE_URL (or --database-url): the embedded SQLite needs no migration", err=True)
        raise typer.Exit(2)
    from capcut_mate.services import cluster_extra

    with cluster_extra("CAPCUT_MATE_DATABASE_URL"):
        from capcut_mate.persistence.postgres import PgConnector

        db = PgConnector(url, max_size=1)
    try:
        done = db.migrate()
    finally:
        db.close()
    typer.echo("; ".join(done) if done else "schema is up to date")


def _check_format(format: str, console: Console) -> None:
    """Exit 2 naming the choices when `format` is not an output format."""
    from capcut_mate.render.formats import FORMATS

    if format not in FORMATS:
        console.print(f"[red]--format must be one of {', '.join(FORMATS)}[/red]", highlight=False)
        raise typer.Exit(code=2)


@app.command("plan")
def plan_(
    draft: Path = typer.Argument(..., help="Draft folder (draft_content.json / draft_info.json) or a JSON file"),
    width: int | None = typer.Option(None, help="Output width (default: the draft canvas)"),
    height: int | None = typer.Option(None, help="Output height (default: the draft canvas)"),
    fps: float | None = typer.Option(None, help="Output frame rate (default: the draft's)"),
    format: str = typer.Option("mp4", "--format", help="mp4, webm or gif: only mp4 renders in chunks"),
    chunk_seconds: float = typer.Option(10.0, help="Chunk length the plan splits long timelines into (0 = never)"),
) -> None:
    """Print the render plan of a draft as JSON: what `render` would draw, for `render --plan`."""
    from rich.console import Console

    from capcut_mate.render import RenderError, RenderOptions
    from capcut_mate.render.cli_progress import plan_command

    console = Console(stderr=True)
    _check_format(format, console)
    options = RenderOptions(width=width, height=height, fps=fps, format=format, chunk_seconds=chunk_seconds)
    try:
        typer.echo(plan_command(draft, options))
    except RenderError as exc:
        console.print(f"[red]plan failed[/red] ({exc.code}): {exc.message}", highlight=False)
        raise typer.Exit(code=2) from exc


@app.command()
def render(
    draft: Path | None = typer.Argument(
        None,
        help="Draft folder (draft_content.json / draft_info.json) or a JSON file; with --plan, the folder "
        "the plan's media paths resolve in (default: the plan file's folder)",
    ),
    output: Path = typer.Option(..., "-o", "--output", help="MP4 to write"),
    plan: Path | None = typer.Option(None, "--plan", help="Render this plan (from `capcut-mate plan`) instead"),
    width: int | None = typer.Option(None, help="Output width (default: the draft canvas)"),
    height: int | None = typer.Option(None, help="Output height (default: the draft canvas)"),
    fps: float | None = typer.Option(None, help="Output frame rate (default: the draft's)"),
    preset: str = typer.Option("veryfast", help="libx264 preset"),
    crf: int = typer.Option(23, help="libx264 CRF (lower = better, bigger)"),
    format: str = typer.Option("mp4", "--format", help="mp4 (H.264/AAC), webm (VP9/Opus) or gif (no sound)"),
    media_root: Path | None = typer.Option(None, help="Folder searched for media by path tail and file name"),
    remap: list[str] = typer.Option([], help="OLD=NEW path prefix rewrite; repeatable"),
    report: Path | None = typer.Option(None, help="Report JSON path (default: OUTPUT.report.json)"),
    font_dir: Path | None = typer.Option(None, help="Extra font folder (CJK fallback)"),
    chunk_seconds: float = typer.Option(
        10.0, help="Render timelines over 1.5x this long in chunks of about this many seconds (0 = never)"
    ),
    chunk_workers: int | None = typer.Option(None, help="Chunks encoded at once (default: cores ÷ 4, at least 1)"),
    system_fonts: bool = typer.Option(True, help="Also use the machine's installed fonts"),
) -> None:
    """Render a JianYing/CapCut draft to MP4 with ffmpeg, headless; prints what was approximated."""
    from rich.console import Console

    from capcut_mate.render import RenderError, RenderOptions
    from capcut_mate.render.cli_progress import render_command

    console = Console(stderr=True)
    _check_format(format, console)
    if plan is not None and (width or height or fps):
        console.print("[red]the plan fixes the size and fps: pass them to `capcut-mate plan`[/red]", highlight=False)
        raise typer.Exit(code=2)
    options = RenderOptions(
        width=width, height=height, fps=fps, preset=preset, crf=crf, font_dir=font_dir, system_fonts=system_fonts,
        format=format, chunk_seconds=chunk_seconds,
    )  # fmt: skip
    if chunk_workers:
        options.chunk_workers = chunk_workers
    try:
        render_command(draft, output, options, media_root, remap, report, console, plan)
    except RenderError as exc:
        console.print(f"[red]render failed[/red] ({exc.code}): {exc.message}", highlight=False)
        raise typer.Exit(code=2) from exc


@app.command()
def preview(
    draft: Path = typer.Argument(..., help="Draft folder (draft_content.json / draft_info.json) or a JSON file"),
    at: list[float] = typer.Option(..., "--at", help="Time in seconds; repeat for a storyboard of several frames"),
    output: Path = typer.Option(..., "-o", "--output", help="PNG to write"),
    width: int | None = typer.Option(None, help="Frame (or storyboard tile) width; default the canvas (tile 360)"),
    media_root: Path | None = typer.Option(None, help="Folder searched for media by path tail and file name"),
    remap: list[str] = typer.Option([], help="OLD=NEW path prefix rewrite; repeatable"),
    font_dir: Path | None = typer.Option(None, help="Extra font folder (CJK fallback)"),
) -> None:
    """Draw the frame at --at exactly as `render` would, as a PNG (several --at: a storyboard grid)."""
    from capcut_mate.render import DraftMediaResolver, RenderError, RenderOptions, load_draft
    from capcut_mate.render.cli_progress import parse_remaps
    from capcut_mate.render.preview import preview_png, timestamp

    try:
        document, draft_dir = load_draft(draft)
        resolver = DraftMediaResolver(draft_dir, media_root, parse_remaps(remap))
        times = [max(0, round(seconds * 1_000_000)) for seconds in at]
        png, frames = preview_png(document, resolver, times, len(times) > 1, width, RenderOptions(font_dir=font_dir))
    except RenderError as exc:
        typer.echo(f"preview failed ({exc.code}): {exc.message}", err=True)
        raise typer.Exit(code=2) from exc
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(png)
    for frame in frames:
        typer.echo(f"{timestamp(frame.time_us)} -> frame {frame.frame}", err=True)
    for warning in dict.fromkeys(w for frame in frames for w in frame.warnings):
        typer.echo(f"warning: {warning.segment_id} [{warning.feature}] {warning.message}", err=True)
    typer.echo(str(output))


@app.command()
@setup_errors
def mcp(
    data_dir: Path | None = typer.Option(None, help="Data directory (env CAPCUT_MATE_DATA_DIR)"),
    host: str = typer.Option("127.0.0.1", help="Interface of the HTTP API started beside it (video downloads)"),
    port: int = typer.Option(0, help="Port of that HTTP API (default 0: a free port the system picks)"),
    api_url: str | None = typer.Option(
        None, help="Use the service already running at this URL (e.g. http://127.0.0.1:30000): no server of its own"
    ),
    lang: str = typer.Option(
        "zh", envvar="CAPCUT_MATE_LANG", help="Language of messages and warnings: zh or en (env CAPCUT_MATE_LANG)"
    ),
) -> None:
    """Speak MCP over stdio (Claude Desktop, Cursor...), each tool call a request to the HTTP API: one started
    beside it on HOST:PORT, or the running service at --api-url."""
    import logging

    from capcut_mate.config import Settings
    from capcut_mate.mcp.stdio import StartupError, serve_stdio

    logging.basicConfig(level=logging.WARNING)  # stderr: stdout carries the MCP messages
    if lang not in ("zh", "en"):
        typer.echo(f"capcut-mate mcp: --lang must be zh or en, not {lang!r}", err=True)
        raise typer.Exit(2)
    overrides: SettingsOverrides = {} if data_dir is None else {"data_dir": data_dir}
    try:
        serve_stdio(Settings(**overrides), host, port, lang, api_url)
    except StartupError as exc:
        typer.echo(f"capcut-mate mcp: {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # anything else before the agent could be answered: say it where the agent logs
        typer.echo(f"capcut-mate mcp: could not start: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command("mcp-config")
def mcp_config(
    data_dir: Path | None = typer.Option(None, help="Data directory the MCP server uses (default: as `serve`)"),
    api_url: str | None = typer.Option(None, help="Use the service running at this URL instead of its own"),
    lang: str | None = typer.Option(None, help="zh or en for messages and warnings"),
) -> None:
    """Print the mcpServers entry for Claude Desktop / Cursor, with absolute paths: paste it as it is (a
    desktop app does not start MCP servers from this shell, so `capcut-mate` alone is not on its PATH)."""
    import json
    import sys

    from capcut_mate.config import Settings

    script = Path(sys.executable).parent / "capcut-mate"  # the venv's bin, beside its python (no resolve)
    command, args = (
        (str(script.absolute()), ["mcp"]) if script.is_file() else (sys.executable, ["-m", "capcut_mate", "mcp"])
    )
    if api_url:
        args += ["--api-url", api_url]
    else:
        args += ["--data-dir", str((data_dir or Settings().data_dir).absolute())]
    if lang:
        args += ["--lang", lang]
    typer.echo(json.dumps({"mcpServers": {"capcut-mate": {"command": command, "args": args}}}, indent=2))


@app.command()
def demo(
    data_dir: Path = typer.Option(Path("capcut-mate-demo"), help="Where the demo keeps media, drafts and the video"),
    port: int = typer.Option(0, help="Loopback port for the demo API (0 = any free port)"),
) -> None:
    """See it all work: sample media -> draft over HTTP -> gen_video -> progress bar -> MP4."""
    from capcut_mate.jobs.demo import run_demo

    try:
        run_demo(data_dir, port)
    except RuntimeError as exc:
        typer.echo(f"demo failed: {exc}", err=True)
        raise typer.Exit(1) from exc
