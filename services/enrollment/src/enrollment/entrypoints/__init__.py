"""How Dinas Sosial's officers, residents and tools reach enrollment: HTTP and a CLI."""
