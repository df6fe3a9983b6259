"""`make run`: the whole system on this machine, and a batch of residents followed through it."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from typing import Any

import httpx

from jkn_demo.callers import ROLES, Callers, IdentityProviderDown, bearer_curl
from jkn_demo.journey import Outcome, import_receipts, summarize
from jkn_demo.residents_page import page_lines, status_call, with_birth_dates
from jkn_demo.scenario import EXPECTED, generate_city, propose_and_follow, seed_bpjs
from jkn_demo.stack import COMPONENTS, Stack, stop_pid_files
from jkn_demo.stackenv import ISSUER, PSEUDONYM_KEY, STATE_DIR, fresh_stack_env
from jkn_demo.tracing import ensure_zipkin

__all__ = ["run", "stop"]

RUN_DIR = STATE_DIR / "run"


def _say(text: str = "") -> None:
    print(text, flush=True)


def stop() -> None:
    stopped = stop_pid_files(RUN_DIR)
    _say(f"stopped: {', '.join(stopped) or 'nothing was running'}")


async def run() -> int:
    _say("== jkn-daerah demo ==")
    stopped = stop_pid_files(RUN_DIR)
    if stopped:
        _say(f"stopped the previous demo's processes: {', '.join(stopped)}")
    prefix = time.strftime("demo%Y%m%d%H%M%S.")
    city_dir = STATE_DIR / "city"
    _say("1. A synthetic city: Jambi City (NIK region 1571), 3,000 residents")
    city = generate_city(city_dir, pseudonym_key=PSEUDONYM_KEY)
    manifest = city.manifest
    _say(
        f"   files in {city_dir}: civil registry, DTKS, BPJS peserta, "
        f"{len(manifest['rows'])} proposals"
    )

    callers = Callers.demo(ISSUER)
    try:
        await callers.check()
    except IdentityProviderDown as exc:
        _say(f"   !! {exc}")
        return 1
    _say(f"2. Fresh database 'jkn' (one schema and role per agency), topics under '{prefix}'")
    _say(
        f"   identity provider (Keycloak): {ISSUER}; every call below carries the token of "
        "whoever's job it is:"
    )
    _say("   " + ", ".join(f"{name} ({role})" for role, name in ROLES.items()))
    tracing_extra: dict[str, str] = {}
    zipkin = ensure_zipkin(STATE_DIR)
    if zipkin is not None:
        tracing_extra["JKN_ZIPKIN_ENDPOINT"] = f"{zipkin}/api/v2/spans"
        _say(f"   tracing UI (Zipkin): {zipkin}/zipkin/")
    else:
        _say("   tracing UI: Zipkin could not be fetched from Maven Central; continuing without it")
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
    _say("3. Starting the BPJS simulator and the four agency services")
    stack.start(("bpjs-sim",))
    stack.wait_healthy()
    async with httpx.AsyncClient(timeout=30) as client:
        seeded = await seed_bpjs(client, stack.url("bpjs-sim"), city)
        _say(
            f"   BPJS simulator knows {seeded} residents already covered (PBI APBN, PPU, PBPU, ...)"
        )
        stack.start(tuple(c.name for c in COMPONENTS if c.name != "bpjs-sim"))
        stack.wait_healthy()
        urls = {c.name: stack.url(c.name) for c in COMPONENTS}
        for c in COMPONENTS:
            _say(f"   {c.name:<14} {urls[c.name]}")
        _say(f"   Dinkes quota for this budget year: {manifest['quota']} participants")

        _say(
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
        _say()
        issued = await import_receipts(
            client, urls["enrollment"], report["import_id"], auth=callers.officer
        )
        receipts = with_birth_dates(issued, city.proposals)
        facts = await _facts(client, urls, callers, followed)
    _report(report, followed, urls, zipkin, receipts, facts=facts)
    return 0 if _matches(followed) else 1


async def _facts(
    client: httpx.AsyncClient,
    urls: dict[str, str],
    callers: Callers,
    followed: list[tuple[dict[str, Any], Outcome]],
) -> dict[str, Any]:
    """What Dinkes's verifier and the auditor see once the batch settled."""
    quota = await client.get(f"{urls['verification']}/quota", auth=callers.verifier)
    chain = await client.get(f"{urls['audit']}/verify", auth=callers.auditor)
    facts: dict[str, Any] = {
        "quota": quota.raise_for_status().json(),
        "chain": chain.raise_for_status().json(),
    }
    activated = next((o for _, o in followed if o.state == "activated"), None)
    if activated is not None:
        history = await client.get(
            f"{urls['audit']}/participants/{activated.participant_id}/history",
            auth=callers.auditor,
        )
        if history.status_code == 200:
            facts["history"] = history.json()["events"]
    return facts


def _import_progress(status: dict[str, Any]) -> None:
    if status["status"] == "preview":
        seen = status["preview"]
        _say(
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


def _matches(followed: list[tuple[dict[str, Any], Outcome]]) -> bool:
    return all(_as_expected(row, o) for row, o in followed)


def _as_expected(row: dict[str, Any], outcome: Outcome) -> bool:
    if row["category"] == "bad_nik":
        return outcome.state == "intake_rejected" or (
            outcome.state == "rejected" and any(r.startswith("NIK") for r in outcome.reasons)
        )
    return (outcome.state, ",".join(outcome.reasons)) in EXPECTED[row["category"]]


def _report(
    report: dict[str, Any],
    followed: list[tuple[dict[str, Any], Outcome]],
    urls: dict[str, str],
    zipkin: str | None,
    receipts: dict[int, dict[str, str]],
    *,
    facts: dict[str, Any],
) -> None:
    outcomes = [o for _, o in followed]
    _say("5. Summary: final state and reason of every proposed resident")
    for (state, reasons), n in sorted(summarize(outcomes).items()):
        _say(f"   {n:4d}  {state:<16} {reasons}")
    wrong = [(row, o) for row, o in followed if not _as_expected(row, o)]
    if wrong:
        _say(f"   !! {len(wrong)} residents did not end as the synthetic city expects:")
        for row, o in wrong:
            _say(f"      row {row['row']} ({row['category']}): {o.state} {o.reasons}")
    else:
        _say(
            f"   all {len(outcomes)} residents ended as expected for their kind "
            "(eligible, covered, bad NIK, non-resident, dead, not in DTKS)"
        )
    if report.get("errors"):
        _say("   import report (line, severity, field, rule):")
        for e in report["errors"][:10]:
            _say(
                f"      line {e['line']}: {e.get('severity', 'error'):<8} {e['field']} {e['rule']}"
            )
    quota, chain = facts["quota"], facts["chain"]
    _say(
        f"   Dinkes's quota ({ROLES['verifier']}): {quota['used']} of {quota['total']} slots "
        f"used in {quota['budget_year']}, {quota['waiting']} residents waiting"
    )
    _say(
        f"   audit trail ({ROLES['auditor']}): {chain['rows']} facts, hash chain "
        f"{'intact' if chain['ok'] else 'BROKEN'}"
    )
    if "history" in facts:
        history = facts["history"]
        stated_by = sorted({e["who"] for e in history})
        _say(
            f"   one activated resident's history: {len(history)} facts stated by "
            f"{', '.join(stated_by)}"
        )
        actor = next((e["actor"] for e in history if e["actor"]), None)
        if actor is not None:
            _say(
                f"   who proposed them: {actor['agency']} ({actor['kind']}) {actor['id']} "
                "— a pseudonym of the token's subject"
            )
    _where_to_look(report, followed, urls, zipkin, receipts)


def _where_to_look(
    report: dict[str, Any],
    followed: list[tuple[dict[str, Any], Outcome]],
    urls: dict[str, str],
    zipkin: str | None,
    receipts: dict[int, dict[str, str]],
) -> None:
    activated = next(((row, o) for row, o in followed if o.state == "activated"), None)
    pid = activated[1].participant_id if activated is not None else "PARTICIPANT_ID"
    enrollment, verification = urls["enrollment"], urls["verification"]
    import_url = f"{enrollment}/imports/{report['import_id']}"
    _say()
    _say("Where to look next")
    _say(
        f"   API docs (no token): {enrollment}/docs  {verification}/docs  "
        f"{urls['bpjs-gateway']}/docs  {urls['notifications']}/docs  {urls['audit']}/docs"
    )
    _say(
        "   every other call needs a token of a demo identity: "
        "uv run python -m jkn_devstack token NAME  (--claims: what it says)"
    )
    _say("   one line per role, each with its own token:")
    by_role = (
        ("Dinsos officer", "siti.dinsos", f"-OJ {import_url}/receipts"),
        ("Dinsos system", "dinsos-siks", import_url),
        (
            "kelurahan operator",
            "budi.kelurahan",
            f"-F file=@temuan.csv {enrollment}/reconciliation/findings  (a findings CSV "
            "of their own kelurahan)",
        ),
        ("Dinkes verifier", "rina.dinkes", f"{verification}/quota"),
        ("BPJS desk", "agus.bpjs", f"{urls['bpjs-gateway']}/participants/{pid}"),
        (
            "feedback agent",
            "eko.cs-dinkes",
            f"'{urls['notifications']}/feedback?agency=dinkes&status=open'",
        ),
        ("auditor", "hana.auditor", f"{urls['audit']}/participants/{pid}/history"),
        ("city operator", "ops.kominfo", f"{verification}/metrics"),
    )
    for role, name, args in by_role:
        _say(f"   {role + ':':<20} {bearer_curl(name)} {args}")
    line = activated[0]["row"] + 1 if activated is not None else 0  # line 1 is the header
    receipt = receipts.get(line)
    if receipt is not None:
        _say(status_call(enrollment, receipt))
    _say(
        f"   {'anyone (no token):':<20} curl -X POST {urls['notifications']}/feedback "
        '-H \'content-type: application/json\' -d \'{"kind": "pertanyaan", '
        '"topic": "verifikasi_kuota", "message": "Kapan usulan saya diverifikasi?"}\''
    )
    if zipkin is not None and activated is not None:
        _say(f"   its journey trace:   {zipkin}/zipkin/?annotationQuery=jkn.participant_id%3D{pid}")
    _say(f"   logs:                {RUN_DIR}/*.log")
    _say(
        "   the services keep running; `make stop` ends them, `make down` stops Kafka, "
        "Postgres and Keycloak"
    )
    for text in page_lines(urls["residents-web"], receipt) if receipt else []:
        _say(text)


def main() -> int:
    return asyncio.run(run())
