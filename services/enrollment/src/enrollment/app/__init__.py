"""Dinas Sosial's use cases (intake, imports) and event handlers."""
