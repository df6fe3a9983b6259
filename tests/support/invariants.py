"""The invariant check (jkn_demo.invariant_reads) on an end-to-end test's own stack."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from jkn_demo.invariant_reads import Report, check
from jkn_demo.stack import Stack


async def agencies_check(stack: Stack) -> Report:
    """Every resident at Dinsos, Dinkes, the gateway and BPJS, once their events settled.
    The stack's database is the one its services' URLs name."""
    database = urlsplit(stack.env["ENROLLMENT_DATABASE_URL"]).path.removeprefix("/")
    return await check(database, Path(stack.env["BPJS_SIM_DB"]))
