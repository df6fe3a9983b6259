-- Erasure of a resident's personal data (POST /residents/{participant_id}/erasure): the
-- proposals' personal fields are blanked (text to '', birth date and contacts to null) and
-- the erasure is kept with them; pseudonym, statuses, reasons, card and decisions stay.
ALTER TABLE proposals ALTER COLUMN birth_date DROP NOT NULL;
ALTER TABLE proposals
    ADD COLUMN IF NOT EXISTS erased_at        timestamptz,
    ADD COLUMN IF NOT EXISTS erasure_event_id uuid;  -- of its ResidentDataErased
