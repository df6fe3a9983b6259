"""SQL repositories of notifications and the channel adapters (SMS, WhatsApp, e-mail, sink)."""
