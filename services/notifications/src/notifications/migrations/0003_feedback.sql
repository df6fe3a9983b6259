-- The feedback channel (docs/domain.md#feedback-channel). Message texts, phone numbers and e-mail addresses are
-- personal data: they live here only, never in logs, spans or events.

-- One sequence behind every kind: ADU-2026-000042 and TNY-2026-000043 never collide.
-- A webhook delivery that loses the idempotency race leaves a gap; numbers need not be dense.
CREATE SEQUENCE IF NOT EXISTS feedback_number;

CREATE TABLE IF NOT EXISTS feedback (
    tracking_number     text        PRIMARY KEY,
    access_hash         bytea       NOT NULL,  -- SHA-256 of the access code; never the code
    kind                text        NOT NULL
        CHECK (kind IN ('pertanyaan', 'pengaduan', 'masukan')),
    topic               text        NOT NULL
        CHECK (topic IN ('usulan_kepesertaan', 'verifikasi_kuota', 'kartu_faskes', 'lainnya')),
    agency              text        NOT NULL CHECK (agency IN ('dinsos', 'dinkes', 'bpjs-gateway')),
    status              text        NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'answered')),
    channel             text        NOT NULL CHECK (channel IN ('web', 'sms', 'whatsapp')),
    -- The provider's id of an SMS/WhatsApp delivery: a redelivered webhook finds its item.
    inbound_message_id  text,
    message             text        NOT NULL,
    reply_channel       text        CHECK (reply_channel IN ('sms', 'whatsapp', 'email')),
    reply_address       text,
    participant_id      text,       -- the sender's pseudonym, when they gave it
    received_at         timestamptz NOT NULL,
    due_date            date        NOT NULL,  -- kept when the item is rerouted
    answer              text,
    answered_by         text,
    answered_at         timestamptz,
    CHECK ((reply_channel IS NULL) = (reply_address IS NULL)),
    CHECK ((status = 'answered') = (answer IS NOT NULL)),
    UNIQUE (channel, inbound_message_id)
);
-- An agency's queue: its open items, oldest deadline first.
CREATE INDEX IF NOT EXISTS feedback_queue ON feedback (agency, due_date, received_at)
    WHERE status = 'received';

-- Every change of an item: who, what, when (the item's history, shown to the sender too).
CREATE TABLE IF NOT EXISTS feedback_history (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tracking_number  text        NOT NULL REFERENCES feedback (tracking_number),
    action           text        NOT NULL CHECK (action IN ('received', 'rerouted', 'answered')),
    actor            text        NOT NULL,  -- 'web', 'sms', 'whatsapp', or agency:staff
    agency           text        NOT NULL,  -- the agency holding the item after the change
    detail           text,                  -- a reroute's reason
    at               timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_history_item ON feedback_history (tracking_number, id);

-- The feedback replies travel through the messages table and the dispatcher like every
-- other message (same channels, retries, one sender per message), but they are about an
-- item, not about a participant's event: those columns become optional, and a message is
-- about exactly one of the two. Such messages state no NotificationSent (that event is
-- about a participant); the item's history and the row's status record the delivery.
ALTER TABLE messages ALTER COLUMN participant_id DROP NOT NULL;
ALTER TABLE messages ALTER COLUMN correlation_id DROP NOT NULL;
ALTER TABLE messages ALTER COLUMN about_event_id DROP NOT NULL;
ALTER TABLE messages ALTER COLUMN about_event_type DROP NOT NULL;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS tracking_number text
    REFERENCES feedback (tracking_number);
-- A secret the message carries only until it is delivered (a feedback access code): the
-- dispatcher masks it in the stored body once the channel has it.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS secret text;
ALTER TABLE messages ADD CONSTRAINT messages_about_one CHECK (
    (tracking_number IS NULL AND participant_id IS NOT NULL AND correlation_id IS NOT NULL
        AND about_event_id IS NOT NULL AND about_event_type IS NOT NULL)
    OR (tracking_number IS NOT NULL AND participant_id IS NULL)
);
CREATE INDEX IF NOT EXISTS messages_feedback ON messages (tracking_number, created_at)
    WHERE tracking_number IS NOT NULL;
