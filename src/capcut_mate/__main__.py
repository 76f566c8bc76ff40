"""`python -m capcut_mate` = the `capcut-mate` command."""

from capcut_mate.cli import app

app()
