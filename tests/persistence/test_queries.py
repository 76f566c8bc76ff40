"""The named queries: each dialect has every query the stores run, written once, in its driver's style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from capcut_mate.persistence import connector
from capcut_mate.persistence.connector import merge_queries, parse_queries, queries_of

STORES = Path(connector.__file__).parent
PG_ONLY = {"serialise", "lock_timeout"}  # SQLite serialises every writer already


def test_both_dialects_define_the_same_queries_and_the_stores_run_only_those() -> None:
    sqlite, postgres = queries_of("sqlite"), queries_of("postgres")
    assert set(postgres) - set(sqlite) == PG_ONLY and set(sqlite) <= set(postgres)
    run = re.compile(r'conn\.(?:one|all|run|run_many|count)\(\s*"([a-z0-9_]+)"')
    modules = ("tasks", "outbox", "drafts", "chunks", "postgres")
    named = {name for module in modules for name in run.findall((STORES / f"{module}.py").read_text())}
    assert named == set(postgres)  # no query unused, none missing


def test_a_query_file_names_each_query_once_and_parameters_become_psycopg_placeholders() -> None:
    parsed = parse_queries("-- the file's own comment\n\n-- a --\n-- what a does\nSELECT 1;\n\n-- b --\nSELECT 2\n")
    assert parsed == {"a": "SELECT 1", "b": "SELECT 2"}
    assert merge_queries(["-- a --\nSELECT :x::float8 + 1"], "postgres") == {"a": "SELECT %(x)s::float8 + 1"}
    with pytest.raises(ValueError, match="defined twice"):
        merge_queries(["-- a --\nSELECT 1", "-- a --\nSELECT 2"], "sqlite")
