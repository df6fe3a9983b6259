"""The audit log table (asyncpg)."""
