"""``python -m jkn_audit verify``: walk every chain; exit 0 when all are intact, 1 naming each
broken chain's first broken row (for cron and operators)."""

from __future__ import annotations

import asyncio
import json
import sys

from jkn_bus.db import connect_pool

from jkn_audit.adapters.audit_log import entries_in_order
from jkn_audit.app.verification import verify_chain
from jkn_audit.settings import bus_settings

__all__ = ["verify"]


async def _verify() -> int:
    pool = await connect_pool(bus_settings().database_url, max_size=1)
    try:
        report = await verify_chain(pool, entries_in_order)
    finally:
        await pool.close()
    for chain in report.chains:
        if chain.ok:
            print(f"chain {chain.chain}: ok, {chain.rows} rows, head {chain.head}")
        else:
            print(
                f"audit chain {chain.chain} BROKEN at seq {chain.broken_seq}"
                f" (event {chain.broken_event_id}): {chain.reason};"
                f" {chain.rows} rows before it verified",
                file=sys.stderr,
            )
    if report.ok:
        print(
            f"audit chain ok: {report.rows} rows in {len(report.chains)} chains, head {report.head}"
        )
        return 0
    print(json.dumps(report.as_dict()))
    return 1


def verify() -> int:
    """Run the check; the process exit code."""
    return asyncio.run(_verify())
