-- A resident's erasure (ResidentDataErased from Dinas Sosial): the proposal's resident (the
-- personal fields as proposed) is forgotten; pseudonym, statuses, reasons and decisions stay.
ALTER TABLE proposals ALTER COLUMN resident DROP NOT NULL;
ALTER TABLE proposals ADD COLUMN IF NOT EXISTS erased_at timestamptz;
