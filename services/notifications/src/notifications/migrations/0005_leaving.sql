-- A resident Dinas Sosial asked to leave (DeactivationRequested), until they are proposed
-- again (ParticipantRegistered): their verification and activation are not announced, only
-- how it ends (docs/domain.md#race-messages). A time, no personal data.
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS leaving_since timestamptz;
