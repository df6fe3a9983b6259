-- Personal data at rest (README: Personal data). The code writes only the columns added
-- here; the clear ones stay for rows written before, until the start-up backfill
-- (verification.adapters.backfill) converts them and leaves them null.

-- The service's own data key, wrapped by the KEK (jkn_bus.at_rest.DATA_KEYS_DDL): it seals
-- the reference registries' rows, which are about people who are not participants.
CREATE TABLE IF NOT EXISTS data_keys (
    version       int         PRIMARY KEY,
    kek_id        text        NOT NULL,
    wrapped       bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    rewrapped_at  timestamptz
);

-- Reference registries: looked up by keyed_hash(pseudonym key, 'nik', NIK), the KK kept as
-- keyed_hash(.., 'kk', KK); name, birth date and address sealed under the service's key,
-- bound to the NIK hash. What the rules read stays in clear: kelurahan, domicile city,
-- alive, death date, sex, welfare decile.
ALTER TABLE civil_registry
    ADD COLUMN IF NOT EXISTS nik_hash          bytea,
    ADD COLUMN IF NOT EXISTS kk_hash           bytea,
    ADD COLUMN IF NOT EXISTS name_sealed       bytea,
    ADD COLUMN IF NOT EXISTS birth_date_sealed bytea,
    ADD COLUMN IF NOT EXISTS address_sealed    bytea,
    DROP CONSTRAINT IF EXISTS civil_registry_pkey,
    ALTER COLUMN nik DROP NOT NULL,
    ALTER COLUMN kk DROP NOT NULL,
    ALTER COLUMN name DROP NOT NULL,
    ALTER COLUMN birth_date DROP NOT NULL,
    ALTER COLUMN address DROP NOT NULL,
    ALTER COLUMN address DROP DEFAULT;
CREATE UNIQUE INDEX IF NOT EXISTS civil_registry_nik_hash ON civil_registry (nik_hash);
-- rows not converted yet (looked up, and found by the backfill, by their clear NIK)
CREATE INDEX IF NOT EXISTS civil_registry_legacy_nik ON civil_registry (nik)
    WHERE nik IS NOT NULL;

ALTER TABLE dtks
    ADD COLUMN IF NOT EXISTS nik_hash          bytea,
    ADD COLUMN IF NOT EXISTS kk_hash           bytea,
    ADD COLUMN IF NOT EXISTS name_sealed       bytea,
    ADD COLUMN IF NOT EXISTS birth_date_sealed bytea,
    DROP CONSTRAINT IF EXISTS dtks_pkey,
    ALTER COLUMN nik DROP NOT NULL,
    ALTER COLUMN kk DROP NOT NULL,
    ALTER COLUMN name DROP NOT NULL,
    ALTER COLUMN birth_date DROP NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS dtks_nik_hash ON dtks (nik_hash);
CREATE INDEX IF NOT EXISTS dtks_legacy_nik ON dtks (nik) WHERE nik IS NOT NULL;

-- A proposal's resident (NIK, KK, name, sex, birth date, kelurahan, address, phone, e-mail)
-- as one JSON value sealed under the resident's own key (jkn_bus.at_rest.ResidentColumns):
-- destroying that key on erasure makes it unreadable here and in every backup. The NIK's
-- keyed hash stays, for the one query that needs it: an erasure deleting the reference
-- rows under that NIK once the key, and so the NIK, is gone.
ALTER TABLE proposals
    ADD COLUMN IF NOT EXISTS resident_sealed bytea,
    ADD COLUMN IF NOT EXISTS nik_hash        bytea;
CREATE INDEX IF NOT EXISTS proposals_legacy_resident ON proposals (proposal_id)
    WHERE resident IS NOT NULL;
