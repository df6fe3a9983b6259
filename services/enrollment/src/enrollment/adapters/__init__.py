"""Dinas Sosial's SQL repositories (asyncpg, on the unit of work's connection)."""
