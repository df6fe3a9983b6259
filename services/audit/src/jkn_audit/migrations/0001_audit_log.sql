-- The audit trail: one row per event of any agency, in consumption order, hash-chained.
-- Append-only: the service role gives up UPDATE/DELETE/TRUNCATE on its own table, and
-- triggers refuse them too (defence in depth: an owner could grant itself the rights back,
-- so the chain, checked by GET /verify and `python -m jkn_audit verify`, is what proves it).
CREATE TABLE IF NOT EXISTS audit_log (
    seq             bigint      PRIMARY KEY CHECK (seq >= 1),
    event_id        uuid        NOT NULL UNIQUE,
    event_type      text        NOT NULL,
    schema_version  int         NOT NULL,
    producer        text        NOT NULL,
    participant_id  text        NOT NULL,
    correlation_id  uuid        NOT NULL,
    causation_id    uuid,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    topic           text        NOT NULL,
    partition       int         NOT NULL,
    "offset"        bigint      NOT NULL,
    decision        text,
    reasons         text[]      NOT NULL DEFAULT '{}',
    evidence_ref    text,
    payload         jsonb       NOT NULL,
    prev_hash       text        NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash            text        NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    -- a fork (two rows chained to the same predecessor) is impossible, whatever the writers
    UNIQUE (prev_hash)
);

CREATE INDEX IF NOT EXISTS audit_log_participant ON audit_log (participant_id, occurred_at, seq);

CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;
