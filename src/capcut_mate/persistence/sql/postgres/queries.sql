-- The queries PostgreSQL spells its own way: many machines share the database, so claims lock rows (and
-- claimers skip the rows another one locked rather than wait), and locks are advisory locks.

-- serialise --
-- Transactions naming the same key run one after another (held until the transaction ends).
SELECT pg_advisory_xact_lock(hashtext(:key));

-- lock_timeout --
-- How long this transaction waits for a lock (milliseconds, as text).
SELECT set_config('lock_timeout', :timeout_ms, true);

-- task_next --
-- The oldest claimable task, locked (claimers skip each other's).
SELECT task_id FROM render_tasks
WHERE status IN ('pending', 'processing') AND (status = 'pending' OR lease_expires < capcut_clock())
ORDER BY seq LIMIT 1
FOR UPDATE SKIP LOCKED;

-- task_lock --
-- The task a claim by id looks at, locked, with the clock its lease is compared to.
SELECT *, capcut_clock() AS now FROM render_tasks WHERE task_id = :task_id FOR UPDATE;

-- outbox_next --
SELECT id, task_id, url, body, attempts, created_at FROM callback_outbox
WHERE state = 'pending' AND next_at <= :now ORDER BY next_at LIMIT 1
FOR UPDATE SKIP LOCKED;

-- drafts_recent --
SELECT draft_id, width, height, created_at, updated_at FROM drafts WHERE strpos(draft_id, :contains) > 0
ORDER BY updated_at DESC, created_at DESC LIMIT :limit;

-- chunk_next --
SELECT unit, attempts, state FROM render_chunks
WHERE task_id = :task_id AND fingerprint = :fingerprint
    AND (state = 'pending' OR (state = 'running' AND lease_expires < capcut_clock()))
ORDER BY unit LIMIT 1
FOR UPDATE SKIP LOCKED;

-- chunk_take --
UPDATE render_chunks
SET state = 'running', attempts = attempts + 1, lease_owner = :owner,
    lease_expires = capcut_clock() + :lease_s, owners = array_append(owners, :owner)
WHERE task_id = :task_id AND unit = :unit
RETURNING *;
