"""Reading each owner's state for the invariant check, and waiting for it to settle.

``python -m jkn_demo invariants [--database jkn] [--bpjs store|vclaim] [--sim-db PATH]
[--gateway-database-url URL] [--settle S] [--timeout T]`` checks the `make run` stack by
default; an end-to-end test passes its own stack's database and BPJS reader. It prints
every divergence by pseudonym with the resident's events from the audit trail, and exits 1
if there is any (0 otherwise).

Read as the Postgres admin (``JKN_PG_ADMIN_URL``) against the stack's database: status
columns and pseudonyms only — the personal columns are sealed and never selected. BPJS is
read by ``jkn_demo.invariant_bpjs``: ``--bpjs store`` (default) the simulator's peserta
register by the card the gateway holds; ``--bpjs vclaim`` (production) BPJS's VClaim
look-up by NIK through the gateway's bridging client, the NIK opened with the gateway's
keys on its own role (``--gateway-database-url``, default ``BPJS_GATEWAY_DATABASE_URL``).

Settling. Residents whose events are still in flight are not divergent, only late. The
check reads every owner again and again until the whole picture (every resident's four
stages) has stayed the same for ``--settle`` seconds, then judges that picture; if it
never holds still within ``--timeout`` seconds, the last picture is judged and the report
says it was not settled.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import asyncpg

from jkn_demo.invariant_bpjs import BpjsReader, GatewayRow, SimulatorStore, VClaimLookup
from jkn_demo.invariants import (
    Divergence,
    ResidentState,
    bpjs_stage,
    dinkes_stage,
    dinsos_stage,
    divergences,
    gateway_stage,
)
from jkn_demo.stackenv import ADMIN_URL, STATE_DIR

__all__ = ["Report", "check", "main", "read_states"]

# the latest proposal of each resident: a resident may be proposed again once one is closed
_DINSOS = (
    "SELECT DISTINCT ON (participant_id) participant_id, status FROM enrollment.proposals"
    " ORDER BY participant_id, created_at DESC"
)
_DINKES = (
    "SELECT DISTINCT ON (participant_id) participant_id, status FROM verification.proposals"
    " ORDER BY participant_id, received_at DESC"
)
_GATEWAY = "SELECT participant_id, status, no_kartu FROM bpjs_gateway.participants"
_EVENTS = (
    "SELECT participant_id, occurred_at, event_type, event_id FROM audit.audit_log"
    " WHERE participant_id = ANY($1::text[]) ORDER BY participant_id, occurred_at, seq"
)


async def read_states(conn: asyncpg.Connection, bpjs: BpjsReader) -> list[ResidentState]:
    """Every resident any owner knows of, at each owner, in the common vocabulary."""
    dinsos = {r["participant_id"]: r["status"] for r in await conn.fetch(_DINSOS)}
    dinkes = {r["participant_id"]: r["status"] for r in await conn.fetch(_DINKES)}
    gateway = {r["participant_id"]: r for r in await conn.fetch(_GATEWAY)}
    at_bpjs = await bpjs.statuses([GatewayRow(pid, r["no_kartu"]) for pid, r in gateway.items()])
    states = []
    for pid in sorted(dinsos.keys() | dinkes.keys() | gateway.keys()):
        row = gateway.get(pid)
        states.append(
            ResidentState(
                participant_id=pid,
                dinsos=dinsos_stage(dinsos.get(pid)),
                dinkes=dinkes_stage(dinkes.get(pid)),
                gateway=gateway_stage(row["status"] if row is not None else None),
                bpjs=bpjs_stage(at_bpjs.get(pid)),
            )
        )
    return states


async def _with_events(conn: asyncpg.Connection, found: list[Divergence]) -> list[Divergence]:
    rows = await conn.fetch(_EVENTS, sorted({d.state.participant_id for d in found}))
    by_participant: dict[str, list[tuple[str, str, str]]] = {}
    for r in rows:
        by_participant.setdefault(r["participant_id"], []).append(
            (r["occurred_at"].isoformat(), r["event_type"], str(r["event_id"]))
        )
    return [
        Divergence(
            d.rule, d.expected, d.state, tuple(by_participant.get(d.state.participant_id, []))
        )
        for d in found
    ]


class Report:
    """The judged picture: how many residents, whether it settled, every divergence."""

    def __init__(self, residents: int, *, settled: bool, found: list[Divergence]) -> None:
        self.residents = residents
        self.settled = settled
        self.divergences = found

    def text(self) -> str:
        head = (
            f"{self.residents} residents, {len(self.divergences)} divergences"
            f"{'' if self.settled else ' (NOT settled: states still moving at the timeout)'}"
        )
        lines = [head]
        for i, d in enumerate(self.divergences):
            # a resident's events once, under the last rule they breach
            last = i + 1 == len(self.divergences) or (
                self.divergences[i + 1].state.participant_id != d.state.participant_id
            )
            lines.extend(d.lines() if last else d.lines()[:1])
        return "\n".join(lines)


async def check(
    database: str,
    bpjs: Path | BpjsReader,
    *,
    settle_s: float = 5.0,
    timeout_s: float = 120.0,
    poll_s: float = 0.5,
    admin_url: str = ADMIN_URL,
) -> Report:
    """Wait until every resident's four stages held still for ``settle_s``, then judge.
    ``bpjs``: a reader, or the simulator's register (a path)."""
    reader = SimulatorStore(bpjs) if isinstance(bpjs, Path) else bpjs
    conn = await asyncpg.connect(admin_url, database=database)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        states = await read_states(conn, reader)
        still_since = loop.time()
        while loop.time() - still_since < settle_s and loop.time() < deadline:
            await asyncio.sleep(poll_s)  # a poll interval: what is awaited is stillness
            now = await read_states(conn, reader)
            if now != states:
                states, still_since = now, loop.time()
        settled = loop.time() - still_since >= settle_s
        found = await _with_events(conn, divergences(states))
    finally:
        await conn.close()
    return Report(len(states), settled=settled, found=found)


def main(argv: list[str]) -> int:
    """The operator's command; exit 1 on any divergence."""
    parser = argparse.ArgumentParser(prog="python -m jkn_demo invariants")
    parser.add_argument("--database", default="jkn", help="the stack's database (make run: jkn)")
    parser.add_argument(
        "--sim-db",
        type=Path,
        default=STATE_DIR / "run" / "bpjs-sim.sqlite",
        help="the BPJS simulator's register (its BPJS_SIM_DB), for --bpjs store",
    )
    parser.add_argument(
        "--bpjs",
        choices=("store", "vclaim"),
        default="store",
        help="BPJS's side: the simulator's register, or VClaim's look-up by NIK (production)",
    )
    parser.add_argument(
        "--gateway-database-url",
        default=os.environ.get("BPJS_GATEWAY_DATABASE_URL"),
        help="--bpjs vclaim: the gateway's own database role (its sealed NIKs)",
    )
    parser.add_argument("--settle", type=float, default=5.0, help="seconds the states hold still")
    parser.add_argument("--timeout", type=float, default=120.0, help="longest wait to settle")
    args = parser.parse_args(argv)
    bpjs: Path | BpjsReader = args.sim_db
    if args.bpjs == "vclaim":
        if not args.gateway_database_url:
            parser.error(
                "--bpjs vclaim needs --gateway-database-url (or BPJS_GATEWAY_DATABASE_URL)"
            )
        bpjs = VClaimLookup(args.gateway_database_url)
    started = time.monotonic()
    report = asyncio.run(check(args.database, bpjs, settle_s=args.settle, timeout_s=args.timeout))
    print(report.text())
    print(f"checked in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 1 if report.divergences else 0
