-- Who acted (jkn_contracts.Actor): the pseudonymous actor id of the caller's token
-- (jkn_bus.auth.actor_id), their agency and whether a person or a system. Kept with the
-- act's own row, so an event emitted later (an import's chunk, a snapshot's batch
-- finished by another upload) still names who commanded it. NULL: before actors were
-- recorded, or not commanded by anyone (a proposal's row never is).
ALTER TABLE proposals
    ADD COLUMN IF NOT EXISTS actor_id     text,
    ADD COLUMN IF NOT EXISTS actor_agency text,
    ADD COLUMN IF NOT EXISTS actor_kind   text CHECK (actor_kind IN ('person', 'system'));
ALTER TABLE imports
    ADD COLUMN IF NOT EXISTS actor_id     text,
    ADD COLUMN IF NOT EXISTS actor_agency text,
    ADD COLUMN IF NOT EXISTS actor_kind   text CHECK (actor_kind IN ('person', 'system'));
ALTER TABLE reconciliation_runs
    ADD COLUMN IF NOT EXISTS actor_id     text,
    ADD COLUMN IF NOT EXISTS actor_agency text,
    ADD COLUMN IF NOT EXISTS actor_kind   text CHECK (actor_kind IN ('person', 'system'));
