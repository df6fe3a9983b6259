-- A resident's erasure (ResidentDataErased from Dinas Sosial): the participant's NIK is
-- blanked (''), BPJS's free-text messages about them dropped; card, status, codes stay.
ALTER TABLE participants DROP CONSTRAINT IF EXISTS participants_nik_check;
ALTER TABLE participants ADD CONSTRAINT participants_nik_check
    CHECK (nik = '' OR nik ~ '^[0-9]{16}$');
