"""HTTP API of notifications."""
