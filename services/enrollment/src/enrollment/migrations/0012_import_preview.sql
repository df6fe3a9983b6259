-- A CSV import of proposals is first a preview (maker-checker, like a reconciliation run):
-- its file is validated and counted, nothing is proposed until a second Dinsos officer
-- approves it. 'preview' -> 'running' (approved) -> 'completed' / 'failed' / 'interrupted',
-- or 'preview' -> 'rejected' (nothing of it is ever proposed). Imports from before keep
-- their status.
ALTER TABLE imports DROP CONSTRAINT IF EXISTS imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check
    CHECK (status IN ('preview', 'rejected', 'running', 'completed', 'failed', 'interrupted'));

-- preview: the counts shown to the approver (rows, valid, invalid by rule, by kelurahan and
-- by source: no personal data). content_sealed: the uploaded file, sealed under the
-- service's data key, kept only while the preview waits (set to NULL when it is decided).
-- decided_*: who approved or rejected it (the checker, next to the maker: actor_*), and the
-- event that stated it.
ALTER TABLE imports
    ADD COLUMN IF NOT EXISTS preview           jsonb,
    ADD COLUMN IF NOT EXISTS content_sealed    bytea,
    ADD COLUMN IF NOT EXISTS decided_at        timestamptz,
    ADD COLUMN IF NOT EXISTS decided_by_id     text,
    ADD COLUMN IF NOT EXISTS decided_by_agency text,
    ADD COLUMN IF NOT EXISTS decided_by_kind   text
        CHECK (decided_by_kind IN ('person', 'system')),
    ADD COLUMN IF NOT EXISTS decision_event_id uuid;
