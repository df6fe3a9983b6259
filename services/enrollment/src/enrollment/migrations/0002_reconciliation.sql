-- Quarterly reconciliation (docs/domain.md#reconciliation): kelurahan findings files and DTKS/DTSEN snapshots.

-- One uploaded file. Its fingerprint is its identity: the same file again is the same run.
CREATE TABLE IF NOT EXISTS reconciliation_runs (
    run_id          uuid        PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('findings', 'snapshot')),
    fingerprint     text        NOT NULL,
    -- 'emitting': the diff is stored, its deactivation requests are published in batches;
    -- an upload of the same file finishes them.
    status          text        NOT NULL CHECK (status IN ('emitting', 'completed')),
    rows_read       int         NOT NULL DEFAULT 0,
    rows_valid      int         NOT NULL DEFAULT 0,
    rows_invalid    int         NOT NULL DEFAULT 0,
    eligible_deciles int[],
    received_at     timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    UNIQUE (kind, fingerprint)
);

-- Rejected lines of a run: line, field and rule (never the value).
CREATE TABLE IF NOT EXISTS reconciliation_errors (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id   uuid   NOT NULL REFERENCES reconciliation_runs (run_id),
    line     int    NOT NULL,
    field    text   NOT NULL,
    rule     text   NOT NULL,
    message  text   NOT NULL,
    first_line int
);
CREATE INDEX IF NOT EXISTS reconciliation_errors_run ON reconciliation_errors (run_id, line, id);

-- Every deactivation Dinas Sosial asks for: from a run (run_id) or from BPJS's own
-- changes (run_id null). The unique keys make each request once-only, so a crashed
-- batch run or a redelivered BPJS event cannot ask twice.
CREATE TABLE IF NOT EXISTS deactivation_requests (
    request_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          uuid        REFERENCES reconciliation_runs (run_id),
    participant_id  text        NOT NULL,
    proposal_id     uuid        NOT NULL REFERENCES proposals (proposal_id),
    reason          text        NOT NULL,
    evidence_ref    text        NOT NULL,
    reported_by     text        NOT NULL,
    kelurahan       text,
    line            int,
    event_id        uuid        NOT NULL UNIQUE,  -- of its DeactivationRequested
    created_at      timestamptz NOT NULL DEFAULT now(),
    emitted_at      timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS deactivation_requests_run_participant
    ON deactivation_requests (run_id, participant_id) WHERE run_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS deactivation_requests_bpjs
    ON deactivation_requests (participant_id, reason, evidence_ref) WHERE run_id IS NULL;
CREATE INDEX IF NOT EXISTS deactivation_requests_unemitted
    ON deactivation_requests (run_id, request_id) WHERE emitted_at IS NULL;
CREATE INDEX IF NOT EXISTS deactivation_requests_participant
    ON deactivation_requests (participant_id);

-- What the other agencies did after a request, stored as the events arrive (in any
-- order: they come on different topics) and joined by causation for the report.
CREATE TABLE IF NOT EXISTS slot_releases (
    event_id        uuid        PRIMARY KEY,
    causation_id    uuid,
    participant_id  text        NOT NULL,
    quota_used      int         NOT NULL,
    quota_total     int         NOT NULL,
    occurred_at     timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS slot_releases_cause ON slot_releases (causation_id);

CREATE TABLE IF NOT EXISTS deactivations (
    event_id        uuid        PRIMARY KEY,
    causation_id    uuid,
    participant_id  text        NOT NULL,
    reason          text        NOT NULL,
    effective_date  date        NOT NULL,
    occurred_at     timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS deactivations_cause ON deactivations (causation_id);

-- Residents admitted from the waiting list (ParticipantVerified admitted_from_waitlist).
CREATE TABLE IF NOT EXISTS waitlist_admissions (
    event_id        uuid        PRIMARY KEY,
    causation_id    uuid,
    participant_id  text        NOT NULL,
    occurred_at     timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS waitlist_admissions_cause ON waitlist_admissions (causation_id);

-- A snapshot being loaded (COPY), diffed and emptied, all in the loading transaction.
-- Unlogged: it never outlives that transaction's work, so WAL would be wasted.
CREATE UNLOGGED TABLE IF NOT EXISTS snapshot_staging (
    line            int     NOT NULL,
    participant_id  text    NOT NULL,
    valid           boolean NOT NULL,
    nik             text    NOT NULL,
    kk              text,
    name            text,
    sex             text,
    birth_date      date,
    kelurahan       text,
    welfare_decile  int
);

-- Residents in a snapshot, within the eligible deciles, not proposed: who can fill
-- freed quota. Personal data, as in proposals.
CREATE TABLE IF NOT EXISTS candidates (
    run_id          uuid        NOT NULL REFERENCES reconciliation_runs (run_id),
    participant_id  text        NOT NULL,
    line            int         NOT NULL,
    nik             text        NOT NULL,
    kk              text        NOT NULL,
    name            text        NOT NULL,
    sex             text        NOT NULL,
    birth_date      date        NOT NULL,
    kelurahan       text        NOT NULL,
    welfare_decile  int         NOT NULL,
    status          text        NOT NULL DEFAULT 'candidate'
        CHECK (status IN ('candidate', 'proposed', 'already_proposed')),
    proposal_id     uuid,
    PRIMARY KEY (run_id, participant_id)
);
CREATE INDEX IF NOT EXISTS candidates_priority ON candidates (run_id, status, welfare_decile, line);
