-- The drafts index (persistence/drafts.py).

-- draft_add --
-- Index a draft; nothing happens when it is indexed already.
INSERT INTO drafts (draft_id, width, height, created_at, updated_at)
VALUES (:draft_id, :width, :height, :now, :now)
ON CONFLICT (draft_id) DO NOTHING;

-- draft_touch --
UPDATE drafts SET updated_at = :now WHERE draft_id = :draft_id;
