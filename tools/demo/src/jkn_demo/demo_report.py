"""The end of `make run`: what the agencies see once the batch settled, the summary of every
resident's outcome against what the synthetic city expects, and where to look next."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from jkn_demo.callers import ROLES, Callers, bearer_curl
from jkn_demo.journey import Outcome, summarize
from jkn_demo.residents_page import page_lines, status_call
from jkn_demo.scenario import EXPECTED

__all__ = ["matches", "print_report", "say", "settled_facts"]


def say(text: str = "") -> None:
    """One line of the demo's story, flushed at once (it runs for minutes)."""
    print(text, flush=True)


async def settled_facts(
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


def matches(followed: list[tuple[dict[str, Any], Outcome]]) -> bool:
    """Did every resident end as the synthetic city expects of their kind?"""
    return all(as_expected(row, o) for row, o in followed)


def as_expected(row: dict[str, Any], outcome: Outcome) -> bool:
    if row["category"] == "bad_nik":
        return outcome.state == "intake_rejected" or (
            outcome.state == "rejected" and any(r.startswith("NIK") for r in outcome.reasons)
        )
    return (outcome.state, ",".join(outcome.reasons)) in EXPECTED[row["category"]]


def print_report(
    report: dict[str, Any],
    followed: list[tuple[dict[str, Any], Outcome]],
    urls: dict[str, str],
    zipkin: str | None,
    receipts: dict[int, dict[str, str]],
    *,
    facts: dict[str, Any],
    logs: Path,
) -> None:
    """Step 5 of the demo: the outcomes against the synthetic city's expectations, the
    agencies' figures, then where to look next (``logs``: the processes' log files)."""
    outcomes = [o for _, o in followed]
    say("5. Summary: final state and reason of every proposed resident")
    for (state, reasons), n in sorted(summarize(outcomes).items()):
        say(f"   {n:4d}  {state:<16} {reasons}")
    wrong = [(row, o) for row, o in followed if not as_expected(row, o)]
    if wrong:
        say(f"   !! {len(wrong)} residents did not end as the synthetic city expects:")
        for row, o in wrong:
            say(f"      row {row['row']} ({row['category']}): {o.state} {o.reasons}")
    else:
        say(
            f"   all {len(outcomes)} residents ended as expected for their kind "
            "(eligible, covered, bad NIK, non-resident, dead, not in DTKS)"
        )
    if report.get("errors"):
        say("   import report (line, severity, field, rule):")
        for e in report["errors"][:10]:
            say(f"      line {e['line']}: {e.get('severity', 'error'):<8} {e['field']} {e['rule']}")
    quota, chain = facts["quota"], facts["chain"]
    say(
        f"   Dinkes's quota ({ROLES['verifier']}): {quota['used']} of {quota['total']} slots "
        f"used in {quota['budget_year']}, {quota['waiting']} residents waiting"
    )
    say(
        f"   audit trail ({ROLES['auditor']}): {chain['rows']} facts, hash chain "
        f"{'intact' if chain['ok'] else 'BROKEN'}"
    )
    if "history" in facts:
        history = facts["history"]
        stated_by = sorted({e["who"] for e in history})
        say(
            f"   one activated resident's history: {len(history)} facts stated by "
            f"{', '.join(stated_by)}"
        )
        actor = next((e["actor"] for e in history if e["actor"]), None)
        if actor is not None:
            say(
                f"   who proposed them: {actor['agency']} ({actor['kind']}) {actor['id']} "
                "— a pseudonym of the token's subject"
            )
    _where_to_look(report, followed, urls, zipkin, receipts, logs=logs)


def _where_to_look(
    report: dict[str, Any],
    followed: list[tuple[dict[str, Any], Outcome]],
    urls: dict[str, str],
    zipkin: str | None,
    receipts: dict[int, dict[str, str]],
    *,
    logs: Path,
) -> None:
    activated = next(((row, o) for row, o in followed if o.state == "activated"), None)
    pid = activated[1].participant_id if activated is not None else "PARTICIPANT_ID"
    enrollment, verification = urls["enrollment"], urls["verification"]
    import_url = f"{enrollment}/imports/{report['import_id']}"
    say()
    say("Where to look next")
    say(
        f"   API docs (no token): {enrollment}/docs  {verification}/docs  "
        f"{urls['bpjs-gateway']}/docs  {urls['notifications']}/docs  {urls['audit']}/docs"
    )
    say(
        "   every other call needs a token of a demo identity: "
        "uv run python -m jkn_devstack token NAME  (--claims: what it says)"
    )
    say("   one line per role, each with its own token:")
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
        say(f"   {role + ':':<20} {bearer_curl(name)} {args}")
    line = activated[0]["row"] + 1 if activated is not None else 0  # line 1 is the header
    receipt = receipts.get(line)
    if receipt is not None:
        say(status_call(enrollment, receipt))
    say(
        f"   {'anyone (no token):':<20} curl -X POST {urls['notifications']}/feedback "
        '-H \'content-type: application/json\' -d \'{"kind": "pertanyaan", '
        '"topic": "verifikasi_kuota", "message": "Kapan usulan saya diverifikasi?"}\''
    )
    if zipkin is not None and activated is not None:
        say(f"   its journey trace:   {zipkin}/zipkin/?annotationQuery=jkn.participant_id%3D{pid}")
    say(f"   logs:                {logs}/*.log")
    say(
        "   the services keep running; `make stop` ends them, `make down` stops Kafka, "
        "Postgres and Keycloak"
    )
    for text in page_lines(urls["residents-web"], receipt) if receipt else []:
        say(text)
