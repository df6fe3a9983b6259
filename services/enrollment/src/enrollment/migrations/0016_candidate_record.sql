-- A refill candidate's NIK, KK, birth date and name are now sealed as ONE value,
-- personal_sealed (adapters.personal.candidate_record: the first three are of fixed width,
-- the name the rest), not as four: a million-row snapshot seals half a million candidates
-- while it is parsed, and one cipher call a row instead of four took a second from each
-- parse worker and 100 bytes from each staging and candidate row. Candidates kept before
-- keep their four sealed columns (or, older still, their clear ones until the backfill seals
-- them); a reader opens whichever the row has (adapters.personal.open_candidate).
ALTER TABLE candidates ADD COLUMN IF NOT EXISTS personal_sealed bytea;

-- staging is unlogged and emptied within each loading transaction: no rows to carry over
TRUNCATE snapshot_staging;
ALTER TABLE snapshot_staging
    DROP COLUMN IF EXISTS nik_sealed,
    DROP COLUMN IF EXISTS kk_sealed,
    DROP COLUMN IF EXISTS name_sealed,
    DROP COLUMN IF EXISTS birth_date_sealed,
    ADD COLUMN IF NOT EXISTS personal_sealed bytea;
