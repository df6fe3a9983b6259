-- The gateway's record of each participant it carried to BPJS (one row per participant).
-- nik is personal data: kept because the registration port needs it to file a kurang;
-- never logged nor served.
CREATE TABLE IF NOT EXISTS participants (
    participant_id       text PRIMARY KEY,
    proposal_id          uuid,
    nik                  text NOT NULL CHECK (nik ~ '^[0-9]{16}$'),
    status               text NOT NULL CHECK (status IN ('active', 'refused', 'deactivated')),
    no_kartu             text CHECK (no_kartu ~ '^[0-9]{13}$'),
    kd_provider          text,
    nm_provider          text,
    kelas                text,
    tgl_tmt              date,
    tgl_tat              date,
    deactivation_reason  text,
    bpjs_code            text,
    bpjs_message         text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS participants_status ON participants (status);
CREATE INDEX IF NOT EXISTS participants_no_kartu ON participants (no_kartu);

-- Audit: every mutation filed at BPJS and its answer (accountability).
CREATE TABLE IF NOT EXISTS bpjs_mutations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    participant_id  text NOT NULL,
    mutation        text NOT NULL CHECK (mutation IN ('tambah', 'kurang', 'ubah')),
    cause_event_id  uuid,
    outcome         text NOT NULL CHECK (outcome IN ('accepted', 'refused')),
    tgl_berlaku     date NOT NULL,
    no_kartu        text,
    bpjs_code       text,
    bpjs_message    text,
    filed_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS bpjs_mutations_participant ON bpjs_mutations (participant_id);
