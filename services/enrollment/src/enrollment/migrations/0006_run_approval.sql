-- A reconciliation run is first a preview: its requests are stored, none is emitted until
-- a second Dinsos officer approves it (maker-checker). 'preview' -> 'emitting' (approved;
-- its requests are published in batches) -> 'completed', or 'preview' -> 'rejected'
-- (discarded: nothing of it is ever emitted). Runs from before stay 'emitting'/'completed'.
ALTER TABLE reconciliation_runs DROP CONSTRAINT IF EXISTS reconciliation_runs_status_check;
ALTER TABLE reconciliation_runs ADD CONSTRAINT reconciliation_runs_status_check
    CHECK (status IN ('preview', 'emitting', 'completed', 'rejected'));

-- Who decided (approved or rejected) and when: the checker, next to the maker (actor_*).
-- participants: the current participants when the preview was computed (the base of the
-- deactivation share it was checked against).
ALTER TABLE reconciliation_runs
    ADD COLUMN IF NOT EXISTS participants     int,
    ADD COLUMN IF NOT EXISTS decided_at       timestamptz,
    ADD COLUMN IF NOT EXISTS decided_by_id     text,
    ADD COLUMN IF NOT EXISTS decided_by_agency text,
    ADD COLUMN IF NOT EXISTS decided_by_kind   text
        CHECK (decided_by_kind IN ('person', 'system')),
    ADD COLUMN IF NOT EXISTS decision_event_id uuid;
