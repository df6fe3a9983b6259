"""The invariant check (jkn_demo.invariant_reads) on an end-to-end test's own stack."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from jkn_demo.invariant_bpjs import BpjsReader, SimulatorStore, VClaimLookup
from jkn_demo.invariant_reads import Report, check
from jkn_demo.stack import Stack


async def agencies_check(stack: Stack, *, vclaim: bool = False) -> Report:
    """Every resident at Dinsos, Dinkes, the gateway and BPJS, once their events settled.
    The stack's database is the one its services' URLs name. BPJS: the simulator's register
    by card, or (``vclaim``) the simulator asked as BPJS, VClaim's look-up by NIK through
    the gateway's bridging client."""
    database = urlsplit(stack.env["ENROLLMENT_DATABASE_URL"]).path.removeprefix("/")
    bpjs: BpjsReader = SimulatorStore(Path(stack.env["BPJS_SIM_DB"]))
    if vclaim:
        bpjs = VClaimLookup(
            stack.env["BPJS_GATEWAY_DATABASE_URL"], bpjs_base_url=stack.url("bpjs-sim")
        )
    return await check(database, bpjs)
