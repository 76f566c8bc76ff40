-- The callback outbox (persistence/outbox.py). Times here are the sender's clock, passed in.

-- outbox_add --
INSERT INTO callback_outbox (task_id, url, body, next_at, created_at)
VALUES (:task_id, :url, :body, :next_at, :created_at);

-- outbox_hold --
-- Count one more attempt and hold the delivery until :next_at.
UPDATE callback_outbox SET attempts = :attempts, next_at = :next_at WHERE id = :id;

-- outbox_retry_at --
UPDATE callback_outbox SET next_at = :next_at, last_error = :last_error WHERE id = :id;

-- outbox_finish --
UPDATE callback_outbox SET state = :state, last_error = :last_error, finished_at = :finished_at WHERE id = :id;

-- outbox_latest_id --
SELECT id FROM callback_outbox WHERE task_id = :task_id ORDER BY id DESC LIMIT 1;

-- outbox_redeliver --
UPDATE callback_outbox
SET state = 'pending', attempts = 0, next_at = :next_at, created_at = :created_at, last_error = '',
    finished_at = NULL
WHERE id = :id;

-- outbox_state --
SELECT state, attempts, last_error, next_at, finished_at FROM callback_outbox
WHERE task_id = :task_id ORDER BY id DESC LIMIT 1;

-- outbox_pending --
SELECT COUNT(*) AS n FROM callback_outbox WHERE state = 'pending';
