-- capcut-mate's own tables in PostgreSQL (cluster mode). Idempotent: applied by `capcut-mate migrate`
-- and at every start. procrastinate's tables live beside these (its own schema file).

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

-- Callback deliveries written down before they are attempted (jobs/pg_outbox.py): at-least-once across
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
