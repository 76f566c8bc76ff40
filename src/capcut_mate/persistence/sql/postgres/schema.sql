-- capcut-mate's own tables in PostgreSQL (cluster mode). Idempotent: applied by `capcut-mate migrate`
-- and at every start (postgres.py migrate). procrastinate's tables live beside these (its own schema file).

-- The clock leases are measured on (connector.py): the database server's, so machines with skewed
-- clocks still agree on who owns a task or a chunk.
CREATE OR REPLACE FUNCTION capcut_clock() RETURNS DOUBLE PRECISION
    LANGUAGE sql VOLATILE AS 'SELECT extract(epoch from clock_timestamp())::float8';

CREATE TABLE IF NOT EXISTS drafts (
    draft_id   TEXT PRIMARY KEY,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS render_tasks (
    seq           BIGSERIAL PRIMARY KEY,
    task_id       TEXT NOT NULL UNIQUE,
    draft_id      TEXT NOT NULL,
    draft_url     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
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
    lease_expires DOUBLE PRECISION,
    callback_url  TEXT,
    report        JSONB
);
CREATE INDEX IF NOT EXISTS render_tasks_by_draft ON render_tasks (draft_id, seq);
-- One pending-or-processing task per draft, whichever API server submits it.
CREATE UNIQUE INDEX IF NOT EXISTS render_tasks_one_active
    ON render_tasks (draft_id) WHERE status IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS render_tasks_active ON render_tasks (seq) WHERE status IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS render_tasks_finished ON render_tasks (completed_at) WHERE completed_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS render_task_events (
    id       BIGSERIAL PRIMARY KEY,
    task_id  TEXT NOT NULL,
    at       TEXT NOT NULL,
    status   TEXT NOT NULL,
    progress INTEGER NOT NULL,
    note     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS render_task_events_by_task ON render_task_events (task_id, id);

-- Callback deliveries written down before they are attempted (persistence/outbox.py): at-least-once across
-- restarts and machines.
CREATE TABLE IF NOT EXISTS callback_outbox (
    id         BIGSERIAL PRIMARY KEY,
    task_id    TEXT NOT NULL,
    url        TEXT NOT NULL,
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    DOUBLE PRECISION NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS callback_outbox_due ON callback_outbox (next_at);
-- Delivery state kept after the last attempt (shown by gen_video_status; sqlite.py ADDED_COLUMNS).
ALTER TABLE callback_outbox ADD COLUMN IF NOT EXISTS state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE callback_outbox ADD COLUMN IF NOT EXISTS last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE callback_outbox ADD COLUMN IF NOT EXISTS finished_at TEXT;
CREATE INDEX IF NOT EXISTS callback_outbox_by_task ON callback_outbox (task_id, id);

-- Chunked renders in a cluster (jobs/farm.py): the parent worker of a task splits it into units (the audio
-- track over the whole timeline, each video chunk) that any worker may claim. A split is one plan: units
-- from another fingerprint (a changed draft, other output settings, other code) are never joined.
CREATE TABLE IF NOT EXISTS render_splits (
    task_id     TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    settings    JSONB NOT NULL,  -- the output settings unit jobs render with (render/chunking/units.py OUTPUT_FIELDS)
    created_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS render_chunks (
    task_id       TEXT NOT NULL,
    unit          INTEGER NOT NULL,  -- 0: the audio; n >= 1: video chunk n - 1
    fingerprint   TEXT NOT NULL,
    start_us      BIGINT NOT NULL,
    end_us        BIGINT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    progress      DOUBLE PRECISION NOT NULL DEFAULT 0,  -- never lowered: a retried chunk keeps its best
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_owner   TEXT,
    lease_expires DOUBLE PRECISION,
    owners        TEXT[] NOT NULL DEFAULT '{}',  -- every owner that took it, in order
    output_key    TEXT,
    warnings      JSONB,
    seconds       DOUBLE PRECISION,  -- render time of the attempt that finished it
    error_code    TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (task_id, unit)
);
CREATE INDEX IF NOT EXISTS render_chunks_running ON render_chunks (lease_owner) WHERE state = 'running';
-- Whether the finished unit came from the chunk cache rather than a render (sqlite.py ADDED_COLUMNS).
ALTER TABLE render_chunks ADD COLUMN IF NOT EXISTS reused BOOLEAN NOT NULL DEFAULT FALSE;
