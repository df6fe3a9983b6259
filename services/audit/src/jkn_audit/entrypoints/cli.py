"""``python -m jkn_audit verify``: walk the chain; exit 0 when intact, 1 naming the first
broken row (for cron and operators)."""

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
    if report.ok:
        print(f"audit chain ok: {report.rows} rows, head {report.head}")
        return 0
    print(
        f"audit chain BROKEN at seq {report.broken_seq} (event {report.broken_event_id}):"
        f" {report.reason}; {report.rows} rows before it verified",
        file=sys.stderr,
    )
    print(json.dumps(report.as_dict()))
    return 1


def verify() -> int:
    """Run the check; the process exit code."""
    return asyncio.run(_verify())
