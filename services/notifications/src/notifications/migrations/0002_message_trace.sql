-- The trace context of the event a message answers: the dispatcher sends (and states
-- NotificationSent) inside that trace, so the resident's journey stays one trace.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS trace_headers jsonb NOT NULL DEFAULT '{}'::jsonb;
