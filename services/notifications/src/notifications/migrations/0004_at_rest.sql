-- Personal data at rest (README, Personal data; jkn_bus.at_rest). Each personal column
-- gets a sealed twin (<column>_sealed, AES-256-GCM; notifications.adapters.at_rest):
-- - about a participant (their contact; their messages' subjects and bodies, which greet
--   them by name; the dev sink's copies with the address): under the resident's data key
--   from the keyring, so Dinas Sosial's erasure makes every copy unreadable;
-- - about no participant (the public's feedback: its text, reply address and answer; the
--   replies sent to its sender and their sink copies): under this service's own data key
--   (data_keys), bound to the tracking number.
-- The clear columns stay only for rows written before this migration: the start-up
-- backfill seals them and sets them to NULL.
CREATE TABLE IF NOT EXISTS data_keys (
    version       int         PRIMARY KEY,
    kek_id        text        NOT NULL,
    wrapped       bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    rewrapped_at  timestamptz
);

ALTER TABLE contacts
    ADD COLUMN IF NOT EXISTS name_sealed  bytea,
    ADD COLUMN IF NOT EXISTS sex_sealed   bytea,
    ADD COLUMN IF NOT EXISTS phone_sealed bytea,
    ADD COLUMN IF NOT EXISTS email_sealed bytea;

ALTER TABLE messages
    ADD COLUMN IF NOT EXISTS subject_sealed bytea,
    ADD COLUMN IF NOT EXISTS body_sealed    bytea;
ALTER TABLE messages ALTER COLUMN subject DROP NOT NULL;
ALTER TABLE messages ALTER COLUMN body DROP NOT NULL;

ALTER TABLE sink
    ADD COLUMN IF NOT EXISTS address_sealed bytea,
    ADD COLUMN IF NOT EXISTS subject_sealed bytea,
    ADD COLUMN IF NOT EXISTS body_sealed    bytea;
ALTER TABLE sink ALTER COLUMN subject DROP NOT NULL;
ALTER TABLE sink ALTER COLUMN body DROP NOT NULL;

ALTER TABLE feedback
    ADD COLUMN IF NOT EXISTS message_sealed       bytea,
    ADD COLUMN IF NOT EXISTS reply_address_sealed bytea,
    ADD COLUMN IF NOT EXISTS answer_sealed        bytea;
ALTER TABLE feedback ALTER COLUMN message DROP NOT NULL;
-- the address and the answer may now be sealed: the rules hold of either column (an
-- erasure drops both: no reply channel left, an answered item stays answered)
ALTER TABLE feedback DROP CONSTRAINT IF EXISTS feedback_check;
ALTER TABLE feedback DROP CONSTRAINT IF EXISTS feedback_check1;
ALTER TABLE feedback ADD CONSTRAINT feedback_reply_address CHECK (
    reply_channel IS NOT NULL OR (reply_address IS NULL AND reply_address_sealed IS NULL)
);
ALTER TABLE feedback ADD CONSTRAINT feedback_answered CHECK (
    (status = 'answered') = (answered_at IS NOT NULL)
);
