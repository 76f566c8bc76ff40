"""Command line: `capcut-mate serve | worker | render`."""

from __future__ import annotations

import os
from pathlib import Path

import typer

app = typer.Typer(
    help="Build CapCut/JianYing drafts over HTTP and render them to MP4 headlessly.", no_args_is_help=True
)


@app.callback()
def main() -> None:
    """capcut-mate: the HTTP API, render workers, and the draft renderer."""


@app.command()
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

    overrides: dict[str, object] = {} if workers is None else {"in_process_workers": workers}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if public_url is not None:
        overrides["public_url"] = public_url
    elif "CAPCUT_MATE_PUBLIC_URL" not in os.environ:
        overrides["public_url"] = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    settings = Settings(**overrides)  # type: ignore[arg-type]
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command()
def worker(
    data_dir: Path | None = typer.Option(None, help="Data directory shared with the server (env CAPCUT_MATE_DATA_DIR)"),
    count: int | None = typer.Option(None, help="Renders at once (env CAPCUT_MATE_RENDER_WORKERS)"),
) -> None:
    """Render queued gen_video tasks in this process, next to a server started with --no-workers (or more)."""
    import logging

    from capcut_mate.config import Settings
    from capcut_mate.jobs.callbacks import CallbackSender
    from capcut_mate.jobs.worker import WorkerPool
    from capcut_mate.services import Services

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides: dict[str, object] = {} if data_dir is None else {"data_dir": data_dir}
    svc = Services.from_settings(Settings(**overrides))  # type: ignore[arg-type]
    workers = count or svc.settings.render_workers
    typer.echo(f"capcut-mate worker: {workers} render(s) at once on {svc.settings.data_dir.resolve()}")
    WorkerPool(svc, CallbackSender(svc.tasks), workers).run_forever()
