"""The audit service's use cases: append an event, read a history, verify the chain."""
