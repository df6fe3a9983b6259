-- Who set a budget year's quota, from what to what, when (PUT /quota): one row per change,
-- written in the change's transaction with its QuotaChanged event. The actor is the
-- pseudonymous id of the caller's token (jkn_bus.auth.actor_id) and their agency.
CREATE TABLE IF NOT EXISTS quota_changes (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    budget_year      int         NOT NULL REFERENCES quota,
    previous_total   int         CHECK (previous_total >= 0),  -- null: the year was new
    total            int         NOT NULL CHECK (total >= 0),
    used             int         NOT NULL CHECK (used >= 0),
    admitted         int         NOT NULL DEFAULT 0 CHECK (admitted >= 0),
    actor_id         text        NOT NULL,
    actor_agency     text        NOT NULL,
    actor_kind       text        NOT NULL CHECK (actor_kind IN ('person', 'system')),
    event_id         uuid        NOT NULL UNIQUE,  -- of its QuotaChanged
    changed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS quota_changes_year ON quota_changes (budget_year, id);
