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
    workers: bool = typer.Option(True, "--workers/--no-workers", help="Run render workers in this process"),
) -> None:
    """Run the HTTP API on embedded defaults (SQLite + local folders under the data directory)."""
    import uvicorn

    from capcut_mate.api.app import create_app
    from capcut_mate.config import Settings

    overrides: dict[str, object] = {"in_process_workers": workers}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if public_url is not None:
        overrides["public_url"] = public_url
    elif "CAPCUT_MATE_PUBLIC_URL" not in os.environ:
        overrides["public_url"] = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    settings = Settings(**overrides)  # type: ignore[arg-type]
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
