-- A participant's messages are sent in the order they were decided (app.dispatcher), and
-- the events of one consumed batch are handled in one transaction, where now() is one
-- value: created_at takes the clock at the INSERT, so it orders the messages a
-- transaction queues for a participant as their events came. No personal data.
ALTER TABLE messages ALTER COLUMN created_at SET DEFAULT clock_timestamp();
