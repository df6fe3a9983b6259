-- Personal data at rest (README, Personal data; jkn_bus.at_rest): the participant's NIK
-- (the kurang mutation needs it in clear) and BPJS's free-text messages (they may quote a
-- name) are sealed under the resident's data key from the keyring; a resident the keyring
-- holds no live key of is sealed under the gateway's own data key (data_keys). The clear columns
-- stay only for rows written before this migration: the start-up backfill seals them and
-- sets them to NULL (bpjs_gateway.adapters.at_rest).
CREATE TABLE IF NOT EXISTS data_keys (
    version       int         PRIMARY KEY,
    kek_id        text        NOT NULL,
    wrapped       bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    rewrapped_at  timestamptz
);

ALTER TABLE participants
    ADD COLUMN IF NOT EXISTS nik_sealed          bytea,
    ADD COLUMN IF NOT EXISTS bpjs_message_sealed bytea;
ALTER TABLE participants ALTER COLUMN nik DROP NOT NULL;

ALTER TABLE bpjs_mutations ADD COLUMN IF NOT EXISTS bpjs_message_sealed bytea;
