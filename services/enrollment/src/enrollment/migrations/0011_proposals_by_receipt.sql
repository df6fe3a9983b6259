-- A resident's status check by receipt code and birth date (POST /proposals/status): the
-- proposal is found by the hash of its code (receipt_hash, SHA-256), without its id.
CREATE INDEX IF NOT EXISTS proposals_receipt ON proposals (receipt_hash);
