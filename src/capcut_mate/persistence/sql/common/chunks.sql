-- The units of chunked renders (persistence/chunks.py). Every write of a worker is guarded by owner and
-- fingerprint, so a late worker from an older split never mixes its unit into a newer one.

-- split_get --
SELECT fingerprint, settings FROM render_splits WHERE task_id = :task_id;

-- split_insert --
INSERT INTO render_splits (task_id, fingerprint, settings, created_at)
VALUES (:task_id, :fingerprint, :settings, :now);

-- split_delete --
DELETE FROM render_splits WHERE task_id = :task_id;

-- chunks_delete --
DELETE FROM render_chunks WHERE task_id = :task_id;

-- chunk_insert --
INSERT INTO render_chunks (task_id, unit, fingerprint, start_us, end_us, state)
VALUES (:task_id, :unit, :fingerprint, :start_us, :end_us, 'pending');

-- chunks_retry_failed --
UPDATE render_chunks SET state = 'pending', attempts = 0, error_code = '', error_message = ''
WHERE task_id = :task_id AND state = 'failed';

-- chunks_of_split --
SELECT * FROM render_chunks WHERE task_id = :task_id AND fingerprint = :fingerprint ORDER BY unit;

-- chunks_claimable --
-- Whether a unit waits for a worker: pending, or its owner's lease ran out.
SELECT EXISTS (
    SELECT 1 FROM render_chunks
    WHERE task_id = :task_id AND (state = 'pending' OR (state = 'running' AND lease_expires < capcut_clock()))
) AS found;

-- chunk_interrupted --
-- The unit's owners died too often (a chunk that kills its worker, e.g. out of memory).
UPDATE render_chunks
SET state = 'failed', lease_owner = NULL, error_code = 'RENDER_INTERRUPTED', error_message = :message
WHERE task_id = :task_id AND unit = :unit;

-- chunks_renew --
UPDATE render_chunks SET lease_expires = capcut_clock() + :lease_s
WHERE task_id = :task_id AND lease_owner = :owner AND state = 'running';

-- chunk_advance --
UPDATE render_chunks SET progress = greatest(progress, :fraction)
WHERE task_id = :task_id AND unit = :unit AND fingerprint = :fingerprint AND lease_owner = :owner
    AND state = 'running';

-- chunk_complete --
UPDATE render_chunks
SET state = 'done', progress = 1, output_key = :output_key, warnings = :warnings, seconds = :seconds,
    reused = :reused, lease_owner = NULL, lease_expires = NULL
WHERE task_id = :task_id AND unit = :unit AND fingerprint = :fingerprint AND lease_owner = :owner
    AND state = 'running';

-- chunk_reuse --
-- The parent found a waiting unit in the chunk cache: done at once, before any worker takes it.
UPDATE render_chunks
SET state = 'done', progress = 1, output_key = :output_key, warnings = :warnings, seconds = 0, reused = TRUE
WHERE task_id = :task_id AND unit = :unit AND fingerprint = :fingerprint AND state = 'pending';

-- chunk_fail --
-- A failed ffmpeg run goes back to the queue until it ran :tries times; anything else fails the unit.
UPDATE render_chunks
SET lease_owner = NULL, lease_expires = NULL, error_code = :code, error_message = :message,
    state = CASE WHEN :code = 'FFMPEG_FAILED' AND attempts < :tries THEN 'pending' ELSE 'failed' END
WHERE task_id = :task_id AND unit = :unit AND fingerprint = :fingerprint AND lease_owner = :owner
    AND state = 'running';

-- chunk_release --
UPDATE render_chunks SET lease_expires = 0
WHERE task_id = :task_id AND unit = :unit AND fingerprint = :fingerprint AND lease_owner = :owner
    AND state = 'running';

-- chunks_release_owner --
UPDATE render_chunks SET lease_expires = 0 WHERE lease_owner = :owner AND state = 'running';

-- chunks_owners --
SELECT DISTINCT lease_owner FROM render_chunks WHERE state = 'running' AND lease_owner IS NOT NULL;

-- splits_orphaned --
-- Splits no worker will finish: their task completed, failed or is gone.
SELECT s.task_id FROM render_splits s LEFT JOIN render_tasks t ON t.task_id = s.task_id
WHERE t.task_id IS NULL OR t.status NOT IN ('pending', 'processing');
