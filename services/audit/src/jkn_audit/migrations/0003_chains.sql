-- Several hash chains instead of one (jkn_audit.domain.chains): an entry joins the chain of
-- its participant (Kafka's murmur2 of the participant id modulo 6, the partition its record
-- was read from; agencies' acts with no participant: chain 0), and appends to different
-- chains take different locks, so replicas reading different partitions do not queue.
--
-- Every row already stored was appended to the one chain there was: it becomes chain 0,
-- with its seq, prev_hash and hash unchanged. Chain 0 starts from the same genesis (64
-- zeros) and its rows' hashes never covered the chain number, so it verifies as before and
-- simply continues; chains 1-5 start empty, each from a genesis of its own.
--
-- seq is now the position in its chain: the key is (chain, seq), and that index is also
-- where a chain's head is read (ORDER BY seq DESC LIMIT 1 within one chain).
--
-- The default fills the existing rows only: it is dropped again, so a writer that predates
-- this migration (and would append to a global head) fails on NOT NULL instead of
-- appending to chain 0 out of order. Stop the old writers before migrating.
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS chain smallint NOT NULL DEFAULT 0;
ALTER TABLE audit_log ALTER COLUMN chain DROP DEFAULT;

-- The number of chains is part of the data (which chain a row is in): pinned here.
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_chain_range;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_chain_range CHECK (chain >= 0 AND chain < 6);

ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_pkey;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (chain, seq);
