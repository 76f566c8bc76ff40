-- The queries SQLite spells its own way. No row locks: BEGIN IMMEDIATE already lets one writer in at a
-- time, across processes.

-- task_next --
-- The oldest claimable task.
SELECT task_id FROM render_tasks
WHERE status IN ('pending', 'processing') AND (status = 'pending' OR lease_expires < capcut_clock())
ORDER BY seq LIMIT 1;

-- task_lock --
-- The task a cluster-style claim by id looks at, with the clock its lease is compared to.
SELECT *, capcut_clock() AS now FROM render_tasks WHERE task_id = :task_id;

-- outbox_next --
SELECT id, task_id, url, body, attempts, created_at FROM callback_outbox
WHERE state = 'pending' AND next_at <= :now ORDER BY next_at LIMIT 1;

-- drafts_recent --
SELECT draft_id, width, height, created_at, updated_at FROM drafts WHERE instr(draft_id, :contains) > 0
ORDER BY updated_at DESC, created_at DESC LIMIT :limit;

-- chunk_next --
SELECT unit, attempts, state FROM render_chunks
WHERE task_id = :task_id AND fingerprint = :fingerprint
    AND (state = 'pending' OR (state = 'running' AND lease_expires < capcut_clock()))
ORDER BY unit LIMIT 1;

-- chunk_take --
-- The owners list is JSON text here.
UPDATE render_chunks
SET state = 'running', attempts = attempts + 1, lease_owner = :owner,
    lease_expires = capcut_clock() + :lease_s, owners = json_insert(owners, '$[#]', :owner)
WHERE task_id = :task_id AND unit = :unit
RETURNING *;
