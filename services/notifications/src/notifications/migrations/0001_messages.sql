-- The address book: how to reach each resident (from ParticipantRegistered). Personal data.
-- Every participant a message is about has a row (possibly without contact details): the
-- dispatcher locks it while it sends, so one participant's NotificationSent events are
-- emitted one transaction at a time (the outbox relay's ordering rule).
CREATE TABLE IF NOT EXISTS contacts (
    participant_id  text        PRIMARY KEY,
    name            text,
    sex             text,
    phone           text,
    email           text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per message ever decided; idempotency_key makes a redelivered event a no-op.
CREATE TABLE IF NOT EXISTS messages (
    message_id        uuid        PRIMARY KEY,
    idempotency_key   text        NOT NULL UNIQUE,
    participant_id    text        NOT NULL REFERENCES contacts (participant_id),
    correlation_id    uuid        NOT NULL,
    about_event_id    uuid        NOT NULL,
    about_event_type  text        NOT NULL,
    template          text        NOT NULL,
    subject           text        NOT NULL,
    body              text        NOT NULL,
    channel           text        NOT NULL,
    status            text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'failed')),
    attempts          int         NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS messages_participant ON messages (participant_id, created_at);

-- Development channel: what would have been sent, and where (NOTIFY_CHANNEL=dev_sink).
CREATE TABLE IF NOT EXISTS sink (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    uuid        NOT NULL UNIQUE,
    channel       text        NOT NULL,
    address       text,
    subject       text        NOT NULL,
    body          text        NOT NULL,
    delivered_at  timestamptz NOT NULL DEFAULT now()
);
