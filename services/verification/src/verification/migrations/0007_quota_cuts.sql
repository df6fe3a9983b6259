-- A quota cut is an act with mass effect (docs/domain.md): PUT /quota lowering a year's
-- total stores it here 'pending' with its preview, and changes nothing. A second Dinkes
-- verifier approves it ('approved': applied in the approval's transaction, stated as
-- QuotaCutApproved and QuotaChanged) or any verifier rejects it ('rejected': nothing
-- changes). actor_*: who asked (the maker); decided_*: who decided (the checker) and the
-- event that stated it (the QuotaChanged applying an approved cut is caused by that event).
-- An approval whose checks fail again (slots taken meanwhile, the total changed since the
-- preview) leaves the cut pending: it is approved later or rejected.
CREATE TABLE IF NOT EXISTS quota_cuts (
    cut_id            uuid        PRIMARY KEY,
    budget_year       int         NOT NULL REFERENCES quota,
    status            text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected')),
    previous_total    int         NOT NULL CHECK (previous_total >= 0),
    total             int         NOT NULL CHECK (total >= 0 AND total < previous_total),
    used              int         NOT NULL CHECK (used >= 0),
    waiting           int         NOT NULL CHECK (waiting >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    actor_id          text        NOT NULL,
    actor_agency      text        NOT NULL,
    actor_kind        text        NOT NULL CHECK (actor_kind IN ('person', 'system')),
    decided_at        timestamptz,
    decided_by_id     text,
    decided_by_agency text,
    decided_by_kind   text        CHECK (decided_by_kind IN ('person', 'system')),
    decision_event_id uuid        UNIQUE
);
CREATE INDEX IF NOT EXISTS quota_cuts_pending ON quota_cuts (budget_year) WHERE status = 'pending';
