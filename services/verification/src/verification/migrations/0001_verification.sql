-- Dinas Kesehatan's own tables (schema "verification"). Personal data (the proposed
-- resident) stays in this schema; only pseudonymous participant ids leave it, except the
-- NIK in CoverageCheckRequested, which the gateway needs for the BPJS look-up.

-- Reference data loaded from the civil registry (Dukcapil) and DTKS/DTSEN exports by
-- `python -m verification load-reference DIR`; replaced as a whole on every load.
CREATE TABLE civil_registry (
    nik            text PRIMARY KEY CHECK (nik ~ '^\d{16}$'),
    kk             text NOT NULL,
    name           text NOT NULL,
    sex            text NOT NULL CHECK (sex IN ('L', 'P')),
    birth_date     date NOT NULL,
    kelurahan      text NOT NULL CHECK (kelurahan ~ '^\d{10}$'),
    address        text NOT NULL DEFAULT '',
    domicile_city  text NOT NULL CHECK (domicile_city ~ '^\d{4}$'),
    alive          boolean NOT NULL,
    death_date     date,
    CHECK (NOT (alive AND death_date IS NOT NULL))
);

CREATE TABLE dtks (
    nik             text PRIMARY KEY CHECK (nik ~ '^\d{16}$'),
    kk              text NOT NULL,
    name            text NOT NULL,
    sex             text NOT NULL,
    birth_date      date NOT NULL,
    kelurahan       text NOT NULL,
    welfare_decile  int  NOT NULL CHECK (welfare_decile BETWEEN 1 AND 10)
);

-- One row per proposal received (ParticipantRegistered). Statuses:
--   checking_coverage -> verified | waitlisted | rejected
--   waitlisted -> verified (admitted from the waiting list)
--   verified -> active (ParticipantActivated) | refused (RegistrationRefused tambah)
--   verified/active/waitlisted/checking_coverage -> deactivation_requested -> deactivated
CREATE TABLE proposals (
    proposal_id          uuid PRIMARY KEY,
    participant_id       text NOT NULL,
    correlation_id       uuid NOT NULL,
    resident             jsonb NOT NULL,
    welfare_decile       int CHECK (welfare_decile BETWEEN 1 AND 10),
    status               text NOT NULL CHECK (status IN (
                             'checking_coverage', 'verified', 'waitlisted', 'rejected',
                             'active', 'refused', 'deactivation_requested', 'deactivated')),
    reasons              jsonb NOT NULL DEFAULT '[]'::jsonb,
    coverage_request_id  uuid,
    budget_year          int,
    registered_at        timestamptz NOT NULL,
    received_at          timestamptz NOT NULL DEFAULT now(),
    decided_at           timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposals_participant ON proposals (participant_id, received_at DESC);
-- Rule 6 (no duplicate, docs/domain.md#rule-6) as an invariant: one open proposal per participant.
CREATE UNIQUE INDEX proposals_one_open ON proposals (participant_id)
    WHERE status IN ('checking_coverage', 'verified', 'waitlisted', 'active');

-- The budget quota per budget year. Every change takes the row with SELECT ... FOR UPDATE:
-- the CHECKs and that lock, not the isolation level, keep used <= total.
CREATE TABLE quota (
    budget_year  int PRIMARY KEY,
    total        int NOT NULL CHECK (total >= 0),
    used         int NOT NULL DEFAULT 0 CHECK (used >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (used <= total)
);

-- A slot held by a participant; deleted when released. A participant never holds two.
CREATE TABLE slots (
    participant_id  text PRIMARY KEY,
    proposal_id     uuid NOT NULL UNIQUE REFERENCES proposals,
    budget_year     int  NOT NULL REFERENCES quota,
    taken_at        timestamptz NOT NULL DEFAULT now()
);

-- Valid proposals waiting for a slot: poorest decile first (unknown last), then the earliest.
CREATE TABLE waiting_list (
    proposal_id     uuid PRIMARY KEY REFERENCES proposals,
    participant_id  text NOT NULL UNIQUE,
    welfare_decile  int,
    waiting_since   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX waiting_list_priority
    ON waiting_list (welfare_decile NULLS LAST, waiting_since, proposal_id);
