-- An intent's cause sealed like the gateway's other personal columns (adapters/at_rest.py):
-- under the resident's key from the keyring (or the gateway's own key), so that even a
-- version-1 event, whose personal fields travelled in clear, is never kept in clear here.
-- Rows recorded before hold the clear cause until the start-up backfill seals them.
ALTER TABLE bpjs_intents ADD COLUMN IF NOT EXISTS cause_sealed bytea;
