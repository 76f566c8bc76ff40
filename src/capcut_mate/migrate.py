"""Create or upgrade the PostgreSQL schema: capcut-mate's tables and procrastinate's queue tables.

Idempotent and safe to run from many processes at once (an advisory lock serialises them); run by
`capcut-mate migrate` and at every start in cluster mode.
"""

from __future__ import annotations

from importlib import resources

from capcut_mate.db import PgDatabase

_LOCK_KEY = 0x43415043  # "CAPC": one advisory lock for schema changes


def migrate(db: PgDatabase) -> list[str]:
    """Apply what is missing; returns what was done (empty when the schema was already current)."""
    from procrastinate.schema import SchemaManager

    done: list[str] = []
    ours = (resources.files("capcut_mate") / "sql" / "postgres.sql").read_text(encoding="utf-8")
    with db.transaction() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        had_tasks = conn.execute("SELECT to_regclass('render_tasks') IS NOT NULL AS ok").fetchone()["ok"]
        conn.execute(ours)
        if not had_tasks:
            done.append("capcut-mate tables created")
        if not conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS ok").fetchone()["ok"]:
            conn.execute(SchemaManager.get_schema())
            done.append("procrastinate schema applied")
    return done
