-- Dead letters operators can replay (jkn_bus.dead_letters): where the record lies on the
-- dead-letter topic (the value is read from there, never copied into a table: it may be a
-- resident's event), how often it was replayed and how each attempt ended.
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS event_type     text;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS participant_id text;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS dlq_partition  int;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS dlq_offset     bigint;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS replays        int NOT NULL DEFAULT 0;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS replayed_at    timestamptz;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS replay_outcome text;
-- Every time the record died: [{"reason", "attempts", "dead_at", "dlq_offset"}], oldest first.
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS history        jsonb NOT NULL DEFAULT '[]';
CREATE INDEX IF NOT EXISTS dead_letters_reason ON dead_letters (reason, id);
