-- Rule 6 (docs/domain.md#rule-6): a duplicate is a proposal of a resident whose enrollment is pending or
-- active. Once a proposal is over (rejected by Dinkes, refused by BPJS, deactivated) the
-- same resident may be proposed again: one *open* proposal per participant, any number of
-- closed ones. The predicate lists enrollment.domain.CLOSED_STATUSES, and INSERT ... ON
-- CONFLICT in adapters/proposals.py repeats it (Postgres matches the two by their text).
DROP INDEX IF EXISTS proposals_participant_id;
CREATE UNIQUE INDEX IF NOT EXISTS proposals_open_participant ON proposals (participant_id)
    WHERE status NOT IN ('rejected', 'refused', 'deactivated');
CREATE INDEX IF NOT EXISTS proposals_participant ON proposals (participant_id, created_at);

-- A BPJS-side change is requested once per proposal (a resident proposed again after a
-- deactivation can have the same change reported about their new enrollment).
DROP INDEX IF EXISTS deactivation_requests_bpjs;
CREATE UNIQUE INDEX IF NOT EXISTS deactivation_requests_bpjs_proposal
    ON deactivation_requests (proposal_id, reason, evidence_ref) WHERE run_id IS NULL;
CREATE INDEX IF NOT EXISTS deactivation_requests_proposal ON deactivation_requests (proposal_id);
