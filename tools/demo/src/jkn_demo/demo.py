"""`make run`: the whole system on this machine, and a batch of residents followed through it
(its closing summary and where to look next: ``jkn_demo.demo_report``)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from typing import Any

import httpx

from jkn_demo.callers import ROLES, Callers, IdentityProviderDown
from jkn_demo.demo_report import matches, print_report, say, settled_facts
from jkn_demo.journey import Outcome, import_receipts
from jkn_demo.residents_page import with_birth_dates
from jkn_demo.scenario import generate_city, propose_and_follow, seed_bpjs
from jkn_demo.stack import COMPONENTS, Stack, stop_pid_files
from jkn_demo.stackenv import ISSUER, PSEUDONYM_KEY, STATE_DIR, fresh_stack_env
from jkn_demo.tracing import ensure_zipkin

__all__ = ["run", "stop"]

RUN_DIR = STATE_DIR / "run"


def stop() -> None:
    stopped = stop_pid_files(RUN_DIR)
    say(f"stopped: {', '.join(stopped) or 'nothing was running'}")


async def run() -> int:
    say("== jkn-daerah demo ==")
    stopped = stop_pid_files(RUN_DIR)
    if stopped:
        say(f"stopped the previous demo's processes: {', '.join(stopped)}")
    prefix = time.strftime("demo%Y%m%d%H%M%S.")
    city_dir = STATE_DIR / "city"
    say("1. A synthetic city: Jambi City (NIK region 1571), 3,000 residents")
    city = generate_city(city_dir, pseudonym_key=PSEUDONYM_KEY)
    manifest = city.manifest
    say(
        f"   files in {city_dir}: civil registry, DTKS, BPJS peserta, "
        f"{len(manifest['rows'])} proposals"
    )

    callers = Callers.demo(ISSUER)
    try:
        await callers.check()
    except IdentityProviderDown as exc:
        say(f"   !! {exc}")
        return 1
    say(f"2. Fresh database 'jkn' (one schema and role per agency), topics under '{prefix}'")
    say(
        f"   identity provider (Keycloak): {ISSUER}; every call below carries the token of "
        "whoever's job it is:"
    )
    say("   " + ", ".join(f"{name} ({role})" for role, name in ROLES.items()))
    tracing_extra: dict[str, str] = {}
    zipkin = ensure_zipkin(STATE_DIR)
    if zipkin is not None:
        tracing_extra["JKN_ZIPKIN_ENDPOINT"] = f"{zipkin}/api/v2/spans"
        say(f"   tracing UI (Zipkin): {zipkin}/zipkin/")
    else:
        say("   tracing UI: Zipkin could not be fetched from Maven Central; continuing without it")
    env = await fresh_stack_env(
        database="jkn",
        topic_prefix=prefix,
        run_dir=RUN_DIR,
        JKN_REFERENCE_DIR=str(city_dir),
        JKN_QUOTA_TOTAL=str(manifest["quota"]),
        **tracing_extra,
    )
    (RUN_DIR / "topic_prefix").write_text(prefix)  # `make test` prunes other prefixes, not this
    stack = Stack(RUN_DIR, env)
    say("3. Starting the BPJS simulator and the four agency services")
    stack.start(("bpjs-sim",))
    stack.wait_healthy()
    async with httpx.AsyncClient(timeout=30) as client:
        seeded = await seed_bpjs(client, stack.url("bpjs-sim"), city)
        say(
            f"   BPJS simulator knows {seeded} residents already covered (PBI APBN, PPU, PBPU, ...)"
        )
        stack.start(tuple(c.name for c in COMPONENTS if c.name != "bpjs-sim"))
        stack.wait_healthy()
        urls = {c.name: stack.url(c.name) for c in COMPONENTS}
        for c in COMPONENTS:
            say(f"   {c.name:<14} {urls[c.name]}")
        say(f"   Dinkes quota for this budget year: {manifest['quota']} participants")

        say(
            f"4. Dinsos's system ({ROLES['importer']}) uploads {len(manifest['rows'])} proposals "
            f"(CSV), a second Dinsos officer ({ROLES['approver']}) approves, and the residents flow"
        )
        report, followed = await propose_and_follow(
            client,
            urls,
            city,
            callers=callers,
            on_import=_import_progress,
            on_progress=_journey_progress,
        )
        say()
        issued = await import_receipts(
            client, urls["enrollment"], report["import_id"], auth=callers.officer
        )
        receipts = with_birth_dates(issued, city.proposals)
        facts = await settled_facts(client, urls, callers, followed)
    print_report(report, followed, urls, zipkin, receipts, facts=facts, logs=RUN_DIR)
    return 0 if matches(followed) else 1


def _import_progress(status: dict[str, Any]) -> None:
    if status["status"] == "preview":
        seen = status["preview"]
        say(
            f"   preview: {seen['rows']} rows, {seen['valid']} valid, {seen['invalid']} invalid"
            f" — nothing proposed until a second Dinsos officer ({ROLES['approver']}) approves"
        )
        return
    sys.stdout.write(
        f"\r   import: {status.get('lines_read', 0)} lines read, "
        f"{status.get('accepted', 0)} accepted, "
        f"{status.get('rejected', 0)} rejected, "
        f"{status.get('duplicates', 0)} duplicates [{status['status']}]"
    )
    if status["status"] != "running" or not sys.stdout.isatty():
        sys.stdout.write("\n")
    sys.stdout.flush()


_last_line = ""


def _journey_progress(outcomes: list[Outcome], elapsed: float) -> None:
    global _last_line  # noqa: PLW0603 - progress display state of this one command
    states = Counter(o.state if o.settled else "in progress" for o in outcomes)
    line = " · ".join(f"{k} {v}" for k, v in sorted(states.items()))
    if line == _last_line:
        return
    _last_line = line
    # On a terminal the line updates in place; in a log (CI) each change is its own line.
    if sys.stdout.isatty():
        sys.stdout.write(f"\r   {elapsed:5.1f}s  {line}      ")
    else:
        sys.stdout.write(f"   {elapsed:5.1f}s  {line}\n")
    sys.stdout.flush()


def main() -> int:
    return asyncio.run(run())
