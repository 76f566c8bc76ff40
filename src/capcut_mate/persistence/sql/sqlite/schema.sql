-- capcut-mate's tables in the embedded SQLite file. Idempotent: applied at every start (sqlite.py
-- migrate, which also adds the columns later versions brought to databases made before them).
-- Same tables as postgres/schema.sql, in SQLite's types: JSON and the owners list are text.

CREATE TABLE IF NOT EXISTS drafts (
    draft_id   TEXT PRIMARY KEY,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS render_tasks (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id       TEXT NOT NULL UNIQUE,
    draft_id      TEXT NOT NULL,
    draft_url     TEXT NOT NULL,
    status        TEXT NOT NULL,
    progress      INTEGER NOT NULL DEFAULT 0,
    output_path   TEXT NOT NULL DEFAULT '',
    error_code    TEXT NOT NULL DEFAULT '',
    error_zh      TEXT NOT NULL DEFAULT '',
    error_en      TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    completed_at  TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_owner   TEXT,
    lease_expires REAL,
    callback_url  TEXT,
    report        TEXT
);
CREATE INDEX IF NOT EXISTS render_tasks_by_draft ON render_tasks (draft_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS render_tasks_one_active
    ON render_tasks (draft_id) WHERE status IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS render_tasks_queue ON render_tasks (seq) WHERE status IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS render_tasks_finished ON render_tasks (completed_at) WHERE completed_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS render_task_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id  TEXT NOT NULL,
    at       TEXT NOT NULL,
    status   TEXT NOT NULL,
    progress INTEGER NOT NULL,
    note     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS render_task_events_by_task ON render_task_events (task_id, id);

CREATE TABLE IF NOT EXISTS callback_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id     TEXT NOT NULL,
    url         TEXT NOT NULL,
    body        TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     REAL NOT NULL,
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending',
    last_error  TEXT NOT NULL DEFAULT '',
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS callback_outbox_due ON callback_outbox (next_at);
CREATE INDEX IF NOT EXISTS callback_outbox_by_task ON callback_outbox (task_id, id);

-- Chunked renders (jobs/farm.py): see postgres/schema.sql.
CREATE TABLE IF NOT EXISTS render_splits (
    task_id     TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    settings    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS render_chunks (
    task_id       TEXT NOT NULL,
    unit          INTEGER NOT NULL,
    fingerprint   TEXT NOT NULL,
    start_us      INTEGER NOT NULL,
    end_us        INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    progress      REAL NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_owner   TEXT,
    lease_expires REAL,
    owners        TEXT NOT NULL DEFAULT '[]',
    output_key    TEXT,
    warnings      TEXT,
    seconds       REAL,
    error_code    TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    reused        INTEGER NOT NULL DEFAULT 0,  -- 1: the finished unit came from the chunk cache
    PRIMARY KEY (task_id, unit)
);
CREATE INDEX IF NOT EXISTS render_chunks_running ON render_chunks (lease_owner) WHERE state = 'running';
