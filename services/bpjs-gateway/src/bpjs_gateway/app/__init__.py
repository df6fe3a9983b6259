"""The gateway's use cases: event handlers and the participant view."""
