-- Personal data at rest (enrollment.adapters.personal). A proposal's NIK, KK, name, birth
-- date, address, phone and e-mail are written only sealed under the resident's key from the
-- keyring (<column>_sealed: erasing the resident destroys the key, every copy stops
-- opening); a refill candidate's NIK, KK, name and birth date under enrollment's own data
-- key (data_keys, wrapped by the KEK; bound to run and participant). The clear columns stay
-- for rows written before this migration: the start-up backfill (enrollment.app.at_rest)
-- seals them and sets them to NULL, in short batches. Look-ups never need the NIK: they go
-- by participant_id, its keyed hash. snapshot_staging keeps its clear columns: it is
-- filled and emptied within one loading transaction, so no committed row ever holds them.
CREATE TABLE IF NOT EXISTS data_keys (
    version       int         PRIMARY KEY,
    kek_id        text        NOT NULL,
    wrapped       bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    rewrapped_at  timestamptz
);

ALTER TABLE proposals
    ALTER COLUMN nik DROP NOT NULL,
    ALTER COLUMN kk DROP NOT NULL,
    ALTER COLUMN name DROP NOT NULL,
    ALTER COLUMN address DROP NOT NULL,
    ALTER COLUMN address DROP DEFAULT,
    ADD COLUMN IF NOT EXISTS nik_sealed        bytea,
    ADD COLUMN IF NOT EXISTS kk_sealed         bytea,
    ADD COLUMN IF NOT EXISTS name_sealed       bytea,
    ADD COLUMN IF NOT EXISTS birth_date_sealed bytea,
    ADD COLUMN IF NOT EXISTS address_sealed    bytea,
    ADD COLUMN IF NOT EXISTS phone_sealed      bytea,
    ADD COLUMN IF NOT EXISTS email_sealed      bytea;
-- What the backfill has left to seal (empty once it is done).
CREATE INDEX IF NOT EXISTS proposals_clear_personal ON proposals (proposal_id)
    WHERE nik IS NOT NULL OR kk IS NOT NULL OR name IS NOT NULL OR birth_date IS NOT NULL
       OR address IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL;

ALTER TABLE candidates
    ALTER COLUMN nik DROP NOT NULL,
    ALTER COLUMN kk DROP NOT NULL,
    ALTER COLUMN name DROP NOT NULL,
    ALTER COLUMN birth_date DROP NOT NULL,
    ADD COLUMN IF NOT EXISTS nik_sealed        bytea,
    ADD COLUMN IF NOT EXISTS kk_sealed         bytea,
    ADD COLUMN IF NOT EXISTS name_sealed       bytea,
    ADD COLUMN IF NOT EXISTS birth_date_sealed bytea;
CREATE INDEX IF NOT EXISTS candidates_clear_personal ON candidates (run_id, participant_id)
    WHERE nik IS NOT NULL OR kk IS NOT NULL OR name IS NOT NULL OR birth_date IS NOT NULL;
