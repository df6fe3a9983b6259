-- Who acted (jkn_contracts.Actor: a pseudonymous id, their agency, person or system), and
-- agencies' acts about no single resident (QuotaChanged, FeedbackAnswered, ...: no
-- participant_id). Rows appended before this migration have no actor; their hash was
-- computed without these columns and still is (jkn_audit.domain.entries.AuditEntry.content).
ALTER TABLE audit_log ALTER COLUMN participant_id DROP NOT NULL;
ALTER TABLE audit_log
    ADD COLUMN IF NOT EXISTS actor_id     text CHECK (actor_id ~ '^act_[0-9a-f]{24}$'),
    ADD COLUMN IF NOT EXISTS actor_agency text,
    ADD COLUMN IF NOT EXISTS actor_kind   text CHECK (actor_kind IN ('person', 'system'));
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_actor_whole;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_whole CHECK (
    (actor_id IS NULL) = (actor_agency IS NULL) AND (actor_id IS NULL) = (actor_kind IS NULL)
);

-- An auditor's questions: what did this person (or system) do; what did this agency's staff do.
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (actor_id, occurred_at, seq)
    WHERE actor_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_log_actor_agency ON audit_log (actor_agency, occurred_at, seq)
    WHERE actor_agency IS NOT NULL;
