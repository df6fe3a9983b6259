"""The audit trail's pure rules: what an entry says about an event, and the hash chain."""
