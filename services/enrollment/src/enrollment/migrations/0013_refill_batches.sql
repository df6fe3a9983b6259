-- Refills are asked for in batches a second Dinsos officer approves (maker-checker, like
-- imports and runs): a batch is 'pending' (its candidates chosen, nobody proposed) ->
-- 'approved' (its residents proposed, ParticipantRegistered sent) or 'rejected' (nobody
-- of it proposed; its candidates may be asked for again). actor_*: who asked (the maker);
-- decided_*: who decided (the checker) and the event that stated it.
CREATE TABLE IF NOT EXISTS refill_batches (
    batch_id          uuid        PRIMARY KEY,
    run_id            uuid        NOT NULL REFERENCES reconciliation_runs (run_id),
    status            text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected')),
    requested         int         NOT NULL CHECK (requested > 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    actor_id          text,
    actor_agency      text,
    actor_kind        text        CHECK (actor_kind IN ('person', 'system')),
    decided_at        timestamptz,
    decided_by_id     text,
    decided_by_agency text,
    decided_by_kind   text        CHECK (decided_by_kind IN ('person', 'system')),
    decision_event_id uuid,
    proposed          int
);
CREATE INDEX IF NOT EXISTS refill_batches_pending ON refill_batches (run_id)
    WHERE status = 'pending';

-- A batch's candidates, by pseudonym (the personal fields stay sealed in candidates, whose
-- retention and erasure apply unchanged: no foreign key holds them back). A candidate is in
-- at most one pending batch of its run (checked under the run's batch lock).
CREATE TABLE IF NOT EXISTS refill_batch_members (
    batch_id        uuid    NOT NULL REFERENCES refill_batches (batch_id),
    run_id          uuid    NOT NULL,
    participant_id  text    NOT NULL,
    position        int     NOT NULL,
    PRIMARY KEY (batch_id, participant_id)
);
CREATE INDEX IF NOT EXISTS refill_batch_members_candidate
    ON refill_batch_members (run_id, participant_id);
