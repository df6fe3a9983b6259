"""Deciding messages (event handlers) and sending them (dispatcher)."""
