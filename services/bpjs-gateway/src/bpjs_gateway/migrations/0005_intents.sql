-- BPJS calls as intents (README, Intents): the consumer records what is to be asked of BPJS
-- in its inbox transaction; the gateway's worker claims it, calls BPJS with no transaction
-- open and records the outcome in a new one. One row per decision (cause event, operation).
-- cause holds the event as it arrived: its personal fields stay sealed under the resident's
-- key (Dinas Sosial's keyring), nothing personal is in clear here; an erased resident's open
-- intents are cancelled and their cause dropped.
CREATE TABLE IF NOT EXISTS bpjs_intents (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    participant_id   text        NOT NULL,
    cause_event_id   uuid        NOT NULL,
    operation        text        NOT NULL CHECK (operation IN ('tambah', 'kurang', 'lookup')),
    client_ref       uuid        NOT NULL,
    cause            jsonb,
    tgl_berlaku      date,
    state            text        NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'in_flight', 'done', 'cancelled')),
    attempts         int         NOT NULL DEFAULT 0,
    outcome_unknown  boolean     NOT NULL DEFAULT false,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    claimed_at       timestamptz,
    last_error       text,
    outcome          text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (cause_event_id, operation)
);

-- the worker's claim: each participant's oldest open intent
CREATE INDEX IF NOT EXISTS bpjs_intents_open
    ON bpjs_intents (participant_id, id) WHERE state IN ('pending', 'in_flight');
