-- Plumbing tables of the shared messaging library, created in the service's own schema.

-- Transactional outbox: an event row is inserted in the same transaction as the state
-- change it describes. The relay publishes rows whose published_at is null, in id order.
CREATE TABLE IF NOT EXISTS outbox (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      uuid        NOT NULL UNIQUE,
    event_type    text        NOT NULL,
    topic         text        NOT NULL,
    key           text        NOT NULL,
    value         bytea       NOT NULL,
    headers       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    published_at  timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Idempotent inbox: one row per event whose effects were applied, written in the same
-- transaction as those effects. A redelivered event finds its row and is skipped.
CREATE TABLE IF NOT EXISTS inbox (
    event_id      uuid        PRIMARY KEY,
    event_type    text        NOT NULL,
    topic         text        NOT NULL,
    partition     int         NOT NULL,
    "offset"      bigint      NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now()
);

-- What went to the dead-letter topic, kept for operators and metrics.
CREATE TABLE IF NOT EXISTS dead_letters (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic         text        NOT NULL,
    partition     int         NOT NULL,
    "offset"      bigint      NOT NULL,
    reason        text        NOT NULL,
    attempts      int         NOT NULL,
    dead_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (topic, partition, "offset")
);
