-- The trace context of the span that recorded an intent (W3C headers, no personal data):
-- the worker continues that trace, so a resident's journey stays one trace across the
-- asynchronous call to BPJS (README, Intents).
ALTER TABLE bpjs_intents ADD COLUMN IF NOT EXISTS trace_headers jsonb;
