-- Findings an agency system submits on the bus (FindingSubmitted) go through the same
-- maker-checker as a findings file: each accepted one joins its system's open run (kind
-- 'findings', status 'preview'), which a Dinsos officer approves or rejects as a whole; the
-- next submission after the decision opens a new run. submitted_by: the system's Kafka
-- principal (the inbound topic's writer); NULL for an uploaded file's run. Its fingerprint
-- is 'submissions:<writer>:<run_id>' (a file's is the file's hash). One open run per system.
ALTER TABLE reconciliation_runs ADD COLUMN IF NOT EXISTS submitted_by text;
CREATE UNIQUE INDEX IF NOT EXISTS reconciliation_runs_open_submitted
    ON reconciliation_runs (submitted_by) WHERE status = 'preview' AND submitted_by IS NOT NULL;

-- The run an accepted finding joined: part of its answer, given again to the same
-- submission sent again.
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS run_id uuid;
