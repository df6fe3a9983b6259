-- Dinas Sosial's proposals. Personal data (NIK, KK, name, address, contact) lives here only.
CREATE TABLE IF NOT EXISTS proposals (
    proposal_id     uuid        PRIMARY KEY,
    -- Keyed pseudonym of the NIK: exact-NIK dedup at intake, and the key of every event.
    participant_id  text        NOT NULL,
    correlation_id  uuid        NOT NULL,
    -- SHA-256 of the receipt code the resident keeps (second factor of the status query).
    receipt_hash    bytea       NOT NULL,
    nik             text        NOT NULL,
    kk              text        NOT NULL,
    name            text        NOT NULL,
    sex             text        NOT NULL,
    birth_date      date        NOT NULL,
    kelurahan       text        NOT NULL,
    address         text        NOT NULL DEFAULT '',
    phone           text,
    email           text,
    source          text        NOT NULL,
    welfare_decile  int,
    proposed_by     text        NOT NULL,
    nik_warnings    text[]      NOT NULL DEFAULT '{}',
    import_id       uuid,
    import_line     int,
    status          text        NOT NULL DEFAULT 'registered',
    reasons         jsonb       NOT NULL DEFAULT '[]'::jsonb,
    no_kartu        text,
    kd_provider     text,
    nm_provider     text,
    effective_date  date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS proposals_participant_id ON proposals (participant_id);

-- Every step of a proposal, in the order it was learned.
CREATE TABLE IF NOT EXISTS proposal_history (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proposal_id     uuid        NOT NULL REFERENCES proposals (proposal_id),
    status          text        NOT NULL,
    event_type      text        NOT NULL,
    event_id        uuid        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS proposal_history_proposal ON proposal_history (proposal_id, id);

-- CSV imports: progress is committed with each chunk of rows.
CREATE TABLE IF NOT EXISTS imports (
    import_id            uuid        PRIMARY KEY,
    proposed_by          text        NOT NULL,
    content_sha256       text        NOT NULL,
    status               text        NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
    lines_read           int         NOT NULL DEFAULT 0,
    accepted             int         NOT NULL DEFAULT 0,
    rejected             int         NOT NULL DEFAULT 0,
    duplicates           int         NOT NULL DEFAULT 0,
    warnings             int         NOT NULL DEFAULT 0,
    -- Rows up to this spreadsheet line are applied (proposals, events and errors committed).
    last_committed_line  int         NOT NULL DEFAULT 1,
    -- An interrupted import of the same file this one continues, and the line it skips to.
    resumed_from         uuid        REFERENCES imports (import_id),
    resumed_after_line   int         NOT NULL DEFAULT 1,
    failure              text,
    started_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    finished_at          timestamptz
);
CREATE INDEX IF NOT EXISTS imports_content ON imports (content_sha256, started_at);

CREATE TABLE IF NOT EXISTS import_errors (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_id     uuid        NOT NULL REFERENCES imports (import_id),
    line          int         NOT NULL,
    field         text        NOT NULL,
    rule          text        NOT NULL,
    message       text        NOT NULL,
    severity      text        NOT NULL CHECK (severity IN ('error', 'warning')),
    first_line    int,
    existing_proposal_id uuid
);
CREATE INDEX IF NOT EXISTS import_errors_import ON import_errors (import_id, line, id);
