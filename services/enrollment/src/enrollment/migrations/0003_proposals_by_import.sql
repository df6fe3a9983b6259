-- An import's proposals in line order: its receipts download (GET /imports/{id}/receipts).
CREATE INDEX IF NOT EXISTS proposals_import ON proposals (import_id, import_line)
    WHERE import_id IS NOT NULL;
