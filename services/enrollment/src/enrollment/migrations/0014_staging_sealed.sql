-- snapshot_staging holds no personal data in clear any more: the parse seals an eligible
-- row's NIK, KK, name and birth date as its refill candidate keeps them (under
-- enrollment's data key, bound to run and participant: enrollment.app.snapshot_file), and
-- the candidates are copied from staging inside Postgres (adapters.snapshots
-- keep_candidates). The table is unlogged and emptied within each loading transaction, so
-- it holds no rows between snapshots: its columns change without a copy.
TRUNCATE snapshot_staging;
ALTER TABLE snapshot_staging
    DROP COLUMN IF EXISTS nik,
    DROP COLUMN IF EXISTS kk,
    DROP COLUMN IF EXISTS name,
    DROP COLUMN IF EXISTS birth_date,
    ADD COLUMN IF NOT EXISTS nik_sealed        bytea,
    ADD COLUMN IF NOT EXISTS kk_sealed         bytea,
    ADD COLUMN IF NOT EXISTS name_sealed       bytea,
    ADD COLUMN IF NOT EXISTS birth_date_sealed bytea;
