"""jkn_audit: every event of every agency, kept append-only in a hash chain (accountability)."""
