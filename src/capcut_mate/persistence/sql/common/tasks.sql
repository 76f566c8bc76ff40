-- Render tasks and their history (persistence/tasks.py), the same in both dialects.
-- A task is claimable when pending, or processing with a lease that ran out (its worker died).

-- task_active_of_draft --
SELECT * FROM render_tasks WHERE draft_id = :draft_id AND status IN ('pending', 'processing');

-- task_active_count --
SELECT COUNT(*) AS n FROM render_tasks WHERE status IN ('pending', 'processing');

-- task_insert --
INSERT INTO render_tasks (task_id, draft_id, draft_url, status, progress, created_at, callback_url, report)
VALUES (:task_id, :draft_id, :draft_url, 'pending', 0, :created_at, :callback_url, :report)
RETURNING *;

-- task_latest --
-- The draft's most recent task: one indexed lookup.
SELECT * FROM render_tasks WHERE draft_id = :draft_id ORDER BY seq DESC LIMIT 1;

-- task_get --
SELECT * FROM render_tasks WHERE task_id = :task_id;

-- task_recent --
SELECT * FROM render_tasks ORDER BY seq DESC LIMIT :limit;

-- ping --
SELECT 1 AS ok;

-- task_events --
SELECT at, status, progress, note FROM render_task_events WHERE task_id = :task_id ORDER BY id;

-- task_event_insert --
INSERT INTO render_task_events (task_id, at, status, progress, note)
VALUES (:task_id, :at, :status, :progress, :note);

-- task_claimable_exists --
-- Whether any task waits for a worker; idle polls ask this without taking the write lock.
SELECT 1 AS found FROM render_tasks
WHERE status IN ('pending', 'processing') AND (status = 'pending' OR lease_expires < capcut_clock())
LIMIT 1;

-- task_dead_too_often --
-- Processing tasks whose lease ran out after their render died :max_attempts times.
SELECT task_id FROM render_tasks
WHERE status = 'processing' AND lease_expires < capcut_clock() AND attempts >= :max_attempts;

-- task_take --
-- Lease this task (found claimable under lock) to :owner: processing, progress at least 10, one more attempt.
UPDATE render_tasks
SET status = 'processing', progress = greatest(progress, 10), started_at = COALESCE(started_at, :now),
    attempts = attempts + 1, lease_owner = :owner, lease_expires = capcut_clock() + :lease_s
WHERE task_id = :task_id
RETURNING *;

-- task_renew --
UPDATE render_tasks SET lease_expires = capcut_clock() + :lease_s
WHERE task_id = :task_id AND lease_owner = :owner AND status = 'processing';

-- task_advance --
-- Raise progress, never lower it.
UPDATE render_tasks SET progress = greatest(progress, :progress)
WHERE task_id = :task_id AND lease_owner = :owner AND status = 'processing';

-- task_complete --
UPDATE render_tasks
SET status = 'completed', progress = 100, output_path = :output_path, report = :report,
    completed_at = :now, lease_owner = NULL, lease_expires = NULL
WHERE task_id = :task_id AND lease_owner = :owner AND status = 'processing';

-- task_fail --
UPDATE render_tasks
SET status = 'failed', progress = 0, error_code = :code, error_zh = :zh, error_en = :en, report = :report,
    completed_at = :now, lease_owner = NULL, lease_expires = NULL
WHERE task_id = :task_id AND lease_owner = :owner AND status = 'processing';

-- task_give_up --
-- task_fail whoever holds it (the task died too often).
UPDATE render_tasks
SET status = 'failed', progress = 0, error_code = :code, error_zh = :zh, error_en = :en, report = NULL,
    completed_at = :now, lease_owner = NULL, lease_expires = NULL
WHERE task_id = :task_id AND status = 'processing';

-- task_retry_count --
-- How many times the task was handed back after an outage (their notes start with :prefix).
SELECT COUNT(*) AS n FROM render_task_events WHERE task_id = :task_id AND note LIKE :prefix;

-- task_retry_later --
-- Hand the task back, claimable in :delay seconds; the attempt is not counted as a death.
UPDATE render_tasks
SET lease_owner = NULL, lease_expires = capcut_clock() + :delay, attempts = greatest(attempts - 1, 0)
WHERE task_id = :task_id AND lease_owner = :owner AND status = 'processing'
RETURNING *;

-- task_release --
UPDATE render_tasks SET lease_owner = NULL, lease_expires = 0
WHERE task_id = :task_id AND lease_owner = :owner AND status = 'processing'
RETURNING progress;

-- task_state --
SELECT status, progress FROM render_tasks WHERE task_id = :task_id;

-- task_owners --
SELECT DISTINCT lease_owner FROM render_tasks WHERE status = 'processing' AND lease_owner IS NOT NULL;

-- task_expire_owner --
UPDATE render_tasks SET lease_expires = 0 WHERE lease_owner = :owner AND status = 'processing'
RETURNING task_id, progress;

-- task_processing_ids --
SELECT task_id FROM render_tasks WHERE status = 'processing';

-- task_prune --
DELETE FROM render_tasks
WHERE completed_at IS NOT NULL AND completed_at < :cutoff AND status IN ('completed', 'failed')
RETURNING task_id, output_path;

-- task_prune_events --
DELETE FROM render_task_events WHERE task_id = :task_id;

-- task_prune_callbacks --
DELETE FROM callback_outbox WHERE task_id = :task_id AND state <> 'pending';
