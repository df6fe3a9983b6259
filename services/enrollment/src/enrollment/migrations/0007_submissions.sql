-- Submissions of agencies' own systems on their inbound topics (jkn_contracts.topics.INBOUND:
-- Dinsos's SIKS-NG proposing, a kelurahan's system reporting findings). One row per
-- (writer, submission_id): the sender's own id of a submission, so a submission sent again
-- with the same content is answered the same way and changes nothing more, and one sent
-- again with other content is refused (SUBMISSION_ID_REUSED). The content itself (personal
-- data) is not kept here: an accepted proposal is in proposals, a finding in
-- deactivation_requests; only its SHA-256, to recognise it.
CREATE TABLE IF NOT EXISTS submissions (
    writer          text        NOT NULL,  -- the Kafka principal's user name (the topic's writer)
    submission_id   text        NOT NULL,  -- the sender's own id (opaque, never personal data)
    submission_type text        NOT NULL,  -- ProposalSubmitted | FindingSubmitted
    content_sha256  text        NOT NULL,  -- of the type and payload, as received
    event_id        uuid        NOT NULL,  -- of the first record that carried it
    outcome         text        CHECK (outcome IN ('accepted', 'refused')),
    reasons         jsonb       NOT NULL DEFAULT '[]'::jsonb,  -- [{field, rule}] of a refusal
    correlation_id  uuid,                  -- of the facts it led to and of its answers
    proposal_id     uuid,                  -- the proposal made, or the one a finding is about
    participant_id  text,
    existing_proposal_id uuid,             -- ALREADY_PROPOSED: the open proposal
    request_id      uuid,                  -- event_id of the DeactivationRequested
    answers         int         NOT NULL DEFAULT 0,  -- how many answers were written
    received_at     timestamptz NOT NULL DEFAULT now(),
    answered_at     timestamptz,
    PRIMARY KEY (writer, submission_id)
);
