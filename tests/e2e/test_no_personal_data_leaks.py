"""A canary: marker residents (distinctive NIKs that pass validation, names, KK numbers,
phones, addresses) are driven through the whole running system with real tokens —
a full journey (while BPJS answers half its calls with HTTP 500), a rejected one, an
invalid form (422), a duplicate proposal (409), a CSV import with invalid lines and a bad
header, records carrying the markers written onto a consumed topic and dead-lettered —
then every surface that must never carry personal data is searched for them:

- every log line of every process of the stack (its run dir's ``*.log``),
- every exported span (name, attributes, events: the whole Zipkin JSON),
- every metric series of every service's ``/metrics`` (as the city operator),
- every Kafka record key and header of every topic of the stack, dead-letter topics
  included (a dead-letter record's value is the record dead-lettered, kept whole for the
  operator: it may legitimately be a resident's event and is not searched; its reason
  header is),
- every error body received (4xx answers, and an import's per-line error report).

Zero hits on each. The counts of what was searched are asserted non-trivial and printed.

Then one more marker, proposed and rejected (never activated), is erased by a Dinsos
officer, and nothing may yield their data any more: no row of any service's schema (read
as the administrator), no record on any topic (their sealed events no longer open: their
key is destroyed), no service's answer, no log line, no span — while the audit trail keeps
what was decided about them, under their pseudonym, and its hash chain still verifies.
"""

from __future__ import annotations

import asyncio
import csv
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from e2e.conftest import running_city
from jkn_bus.keyring import Keyring, Sealer
from jkn_bus.personal_data import DEV_KEKS, LocalKeks, PersonalDataErased
from jkn_contracts import EVENT_TYPES, ParticipantActivated, participant_id_for
from jkn_demo.scenario import CityFiles, generate_city
from jkn_demo.stack import Stack
from jkn_demo.stackenv import ADMIN_URL, BOOTSTRAP, PSEUDONYM_KEY
from jkn_devstack.credentials import admin_kafka_kwargs
from jkn_devstack.tokens import DevTokenAuth
from support.kafka import produce
from support.polling import eventually
from support.spans import SpanCollector

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PORT_OFFSET = 14000  # beside `make run` and the other end-to-end stacks

KELURAHAN = "1571021004"  # a kelurahan of the synthetic city (kecamatan 157102)


@dataclass(frozen=True)
class Marker:
    nik: str
    kk: str
    name: str
    sex: str
    birth_date: str
    phone: str
    address: str

    def form(self, **changes: str) -> dict[str, str]:
        return {
            "nik": self.nik,
            "kk": self.kk,
            "name": self.name,
            "sex": self.sex,
            "birth_date": self.birth_date,
            "kelurahan": KELURAHAN,
            "address": self.address,
            "phone": self.phone,
            "source": "walk_in",
            "proposed_by": "petugas-dinsos-1",
            **changes,
        }

    @property
    def participant_id(self) -> str:
        return participant_id_for(self.nik, PSEUDONYM_KEY)


# In the city's civil registry and DTKS (decile 1): proposed, verified, activated, told.
ACTIVATED = Marker(
    "1571025707887731", "1571020101887731", "Kanari Penanda Unik", "P", "1988-07-17",
    "081277310001", "Jl. Burung Kanari No. 7731, RT 031, Pakuan Baru",
)  # fmt: skip
# Not in the civil registry: proposed, rejected by Dinkes, told.
REJECTED = Marker(
    "1571022103907732", "1571020101907732", "Penanda Kanari Kedua", "L", "1990-03-21",
    "081277310002", "Gg. Kanari Kedua No. 7732, RT 032, Pakuan Baru",
)  # fmt: skip
# Imported from a CSV beside invalid lines (in the registry and DTKS too).
IMPORTED = Marker(
    "1571024411857733", "1571020101857733", "Kanari Penanda Ketiga", "P", "1985-11-04",
    "081277310003", "Jl. Sangkar Kanari No. 7733, RT 033, Pakuan Baru",
)  # fmt: skip
# Only ever sent invalid: a date no NIK can hold, a sex the NIK contradicts.
INVALID = Marker(
    "1571029913957734", "1571020101957734", "Kanari Tak Sah Keempat", "X", "1995-13-99",
    "0812-7731-0004-KANARI", "Jl. Kanari Tak Sah No. 7734",
)  # fmt: skip
MARKERS = (ACTIVATED, REJECTED, IMPORTED, INVALID)


def needles() -> list[str]:
    """Every marker value, compared case-insensitively (BPJS writes names in capitals)."""
    found = {"kanari"}  # in every marker's name and address, and in no word of the system
    for m in MARKERS:
        found |= {m.nik, m.kk, m.name, m.phone, m.address}
    return sorted(n.lower() for n in found)


def hits(text: str) -> list[str]:
    low = text.lower()
    return [n for n in needles() if n in low]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> CityFiles:
    """The synthetic city, with the marker residents who live in it added to its civil
    registry and DTKS (REJECTED is not: Dinkes does not find them)."""
    files = generate_city(tmp_path_factory.mktemp("canary-city"), pseudonym_key=PSEUDONYM_KEY)
    with (files.directory / "civil_registry.csv").open("a", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for m in (ACTIVATED, IMPORTED):
            writer.writerow(
                [m.nik, m.kk, m.name, m.sex, m.birth_date, KELURAHAN, m.address, "1571", "true", ""]
            )
    with (files.directory / "dtks.csv").open("a", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for m in (ACTIVATED, IMPORTED):
            writer.writerow([m.nik, m.kk, m.name, m.sex, m.birth_date, KELURAHAN, "1"])
    return files


@pytest.fixture(scope="module")
async def stack(
    city: CityFiles, spans: SpanCollector, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    run_dir = Path(tmp_path_factory.mktemp("canary-run"))
    # BPJS fails half its calls while the first resident goes through (``driven``): the
    # gateway's retries are kept short so that the tambah gets through within the wait,
    # however the coin falls (a production backoff grows to BPJS_RETRY_MAX_S, 300 s)
    async with running_city(
        city, spans, run_dir, port_offset=PORT_OFFSET, tag="e2k", BPJS_RETRY_MAX_S="2"
    ) as stack:
        yield stack


@dataclass
class Seen:
    """What the canary collected while driving the system."""

    error_bodies: list[str] = field(default_factory=list)
    receipts: dict[str, tuple[str, str]] = field(default_factory=dict)  # pid: (proposal, code)


def _keep_errors(seen: Seen, answer: httpx.Response) -> httpx.Response:
    if answer.status_code >= 400:
        seen.error_bodies.append(answer.text)
    return answer


async def _propose(client: httpx.AsyncClient, url: str, seen: Seen, m: Marker) -> httpx.Response:
    return _keep_errors(seen, await client.post(f"{url}/proposals", json=m.form()))


async def _messages(client: httpx.AsyncClient, url: str, pid: str) -> list[str]:
    answer = await client.get(f"{url}/messages", params={"participant_id": pid})
    answer.raise_for_status()
    return [m["template"] for m in answer.json().get("messages", [])]


def _csv(rows: list[dict[str, str]]) -> bytes:
    columns = ["nik", "kk", "name", "sex", "birth_date", "kelurahan", "address", "phone", "source"]
    lines = [",".join(columns)]
    for row in rows:
        lines.append(",".join(f'"{row.get(c, "")}"' for c in columns))
    return ("\r\n".join(lines) + "\r\n").encode()


async def _import(
    client: httpx.AsyncClient, url: str, seen: Seen
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A CSV of one valid marker line and invalid ones carrying the other markers."""
    body = _csv(
        [
            IMPORTED.form(),
            INVALID.form(),  # NIK date, sex, birth date, phone: all invalid
            REJECTED.form(nik=INVALID.nik),  # a valid name and address beside a bad NIK
            IMPORTED.form(),  # the same resident twice in one file
            ACTIVATED.form(kelurahan="KANARI"),
        ]
    )
    started = await client.post(
        f"{url}/imports", content=body, params={"proposed_by": "petugas-dinsos-1"}
    )
    assert started.status_code == 201, started.text  # a preview: counts, never a value
    seen.error_bodies.append(started.text)
    import_id = started.json()["import_id"]
    # a second person, a Dinsos officer, approves the system's upload (maker-checker)
    decided = await client.post(
        f"{url}/imports/{import_id}/approve", auth=DevTokenAuth("siti.dinsos")
    )
    assert decided.status_code == 202, decided.text

    async def finished() -> dict[str, Any] | None:
        status = (await client.get(f"{url}/imports/{import_id}")).json()
        return status if status["status"] in ("completed", "failed", "interrupted") else None

    status = await eventually(finished, timeout=60)
    errors = await client.get(f"{url}/imports/{import_id}/errors")
    seen.error_bodies.append(errors.text)
    as_csv = await client.get(f"{url}/imports/{import_id}/errors", params={"format": "csv"})
    seen.error_bodies.append(as_csv.text)
    # a file without its header row: a resident where the column names belong (422)
    bad_header = f"{ACTIVATED.nik},{ACTIVATED.name},{ACTIVATED.phone}\r\n".encode()
    refused = await client.post(
        f"{url}/imports", content=bad_header, params={"proposed_by": "petugas-dinsos-1"}
    )
    assert refused.status_code == 422
    _keep_errors(seen, refused)
    return status, errors.json()


async def _forge(stack: Stack) -> None:
    """Records carrying the markers written (as the admin) onto a consumed topic: not
    JSON, JSON that is not a valid event, and a valid event of another topic."""
    topic = stack.env["JKN_TOPIC_PREFIX"] + "jkn.dinsos.participants"
    key = ACTIVATED.participant_id.encode()
    not_json = f'{{"nik": "{ACTIVATED.nik}", "name": "{ACTIVATED.name}", '.encode()
    invalid = json.dumps(
        {
            "event_type": "DeactivationRequested",
            "event_id": str(uuid.uuid4()),
            "participant_id": ACTIVATED.nik,  # a NIK where a pseudonym belongs
            "correlation_id": str(uuid.uuid4()),
            "producer": "dinsos",
            "payload": {
                "reason": ACTIVATED.name,
                "evidence_ref": ACTIVATED.address,
                "reported_by": ACTIVATED.phone,
                ACTIVATED.kk: ACTIVATED.nik,
            },
        }
    ).encode()
    off_topic = ParticipantActivated.model_validate(
        {
            "participant_id": ACTIVATED.participant_id,
            "correlation_id": str(uuid.uuid4()),
            "payload": {
                "proposal_id": str(uuid.uuid4()),
                "no_kartu": "0007731773177",
                "kd_provider": "0101U001",
                "nm_provider": f"KLINIK {ACTIVATED.name.upper()}",
                "effective_date": "2026-01-01",
            },
        }
    )
    await produce(
        BOOTSTRAP,
        topic,
        [(key, not_json), (key, invalid), (key, off_topic.model_dump_json().encode())],
    )


@pytest.fixture(scope="module")
async def driven(stack: Stack) -> Seen:
    """The whole journey of the markers, failures included; returns what was received."""
    seen = Seen()
    enrollment, bpjs_sim = stack.url("enrollment"), stack.url("bpjs-sim")
    notifications = stack.url("notifications")
    async with (
        httpx.AsyncClient(timeout=30, auth=DevTokenAuth("siti.dinsos")) as officer,
        httpx.AsyncClient(timeout=30, auth=DevTokenAuth("dinsos-siks")) as system,
        httpx.AsyncClient(timeout=30, auth=DevTokenAuth("hana.auditor")) as auditor,
        httpx.AsyncClient(timeout=30) as anyone,
    ):
        # BPJS answers half its calls with 500 while the first resident goes through
        faults = await anyone.post(f"{bpjs_sim}/_sim/faults", json={"http_500_rate": 0.5})
        faults.raise_for_status()
        for m in (ACTIVATED, REJECTED):
            answer = await _propose(officer, enrollment, seen, m)
            assert answer.status_code == 201, answer.text
            body = answer.json()
            seen.receipts[body["participant_id"]] = (body["proposal_id"], body["receipt_code"])
        duplicate = await _propose(officer, enrollment, seen, ACTIVATED)
        assert duplicate.status_code == 409
        invalid = await _propose(officer, enrollment, seen, INVALID)
        assert invalid.status_code == 422
        not_json = await officer.post(
            f"{enrollment}/proposals",
            content=f'{{"nik": "{INVALID.nik}", "name": "{INVALID.name}"',
            headers={"content-type": "application/json"},
        )
        assert _keep_errors(seen, not_json).status_code == 422
        # a resident asking with a wrong code, and a proposal that does not exist
        pid = ACTIVATED.participant_id
        proposal_id, _ = seen.receipts[pid]
        wrong = await anyone.get(
            f"{enrollment}/proposals/{proposal_id}", params={"receipt_code": ACTIVATED.nik}
        )
        assert _keep_errors(seen, wrong).status_code == 404
        status, report = await _import(system, enrollment, seen)
        assert status["status"] == "completed", status
        assert len(report["errors"]) >= 3, report
        await _forge(stack)

        async def told() -> bool:
            activated = "participant_activated" in await _messages(auditor, notifications, pid)
            rejected = "verification_rejected" in await _messages(
                auditor, notifications, REJECTED.participant_id
            )
            return activated and rejected

        await eventually(told, timeout=240)
        (await anyone.delete(f"{bpjs_sim}/_sim/faults")).raise_for_status()
        code = seen.receipts[pid][1]
        where = await anyone.get(
            f"{enrollment}/proposals/{proposal_id}", params={"receipt_code": code}
        )
        assert where.json()["status"] in ("active", "activated"), where.text
    return seen


# --- the searches ---------------------------------------------------------------------


async def _topics(prefix: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP, **admin_kafka_kwargs())
    await admin.start()
    try:
        return sorted(t for t in await admin.list_topics() if t.startswith(prefix))
    finally:
        await admin.close()


async def _every_record(topics: list[str]) -> list[Any]:
    """Every record of ``topics`` from the beginning, until none arrived for a while."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=BOOTSTRAP,
        group_id=f"canary-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **admin_kafka_kwargs(),
    )
    await consumer.start()
    records: list[Any] = []
    try:
        loop = asyncio.get_running_loop()
        deadline, idle_since = loop.time() + 60, loop.time()
        while loop.time() < deadline and (not records or loop.time() - idle_since < 5):
            batch = await consumer.getmany(timeout_ms=1000)
            got = [r for part in batch.values() for r in part]
            if got:
                records.extend(got)
                idle_since = loop.time()
    finally:
        await consumer.stop()
    return records


async def test_no_marker_in_any_log_line(driven: Seen, stack: Stack) -> None:
    await asyncio.sleep(2)  # the last lines of the journey are flushed
    lines = 0
    found: dict[str, list[str]] = {}
    for log in sorted(stack.run_dir.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            lines += 1
            if got := hits(line):
                found.setdefault(log.name, []).append(f"{got}: {line[:300]}")
    assert lines > 100, "the stack logged its run"
    assert found == {}
    COUNTS["log lines"] = lines


def _flat(span: dict[str, Any]) -> list[tuple[str, str]]:
    """A span's parts as (where, text): name, each tag, each event, the rest."""
    parts = [("name", span["name"])]
    parts += [(f"tags.{k}", str(v)) for k, v in span.get("tags", {}).items()]
    parts += [(f"annotations[{i}]", a["value"]) for i, a in enumerate(span.get("annotations", []))]
    rest = {k: v for k, v in span.items() if k not in ("name", "tags", "annotations")}
    return [*parts, ("rest", json.dumps(rest))]


async def test_no_marker_in_any_span(driven: Seen, spans: SpanCollector) -> None:
    async def exported() -> list[dict[str, Any]]:
        # services export in batches: wait for the marker's notification to arrive
        done = [s for s in spans.snapshot() if s["name"].startswith("notify ")]
        return spans.snapshot() if done else []

    collected = await eventually(exported, timeout=30)
    await asyncio.sleep(6)  # one more export interval of every service
    collected = spans.snapshot()
    with_exception = [
        s for s in collected for a in s.get("annotations", []) if "exception" in a["value"]
    ]
    found = [
        (s["name"], [f"{k}={v[:200]}" for k, v in _flat(s) if hits(f"{k}={v}")])
        for s in collected
        if hits(json.dumps(s))
    ]
    assert len(collected) > 50
    assert found == []
    COUNTS["spans"] = len(collected)
    COUNTS["span attributes"] = sum(len(s.get("tags", {})) for s in collected)
    COUNTS["span events"] = sum(len(s.get("annotations", [])) for s in collected)
    COUNTS["spans with an exception event"] = len(with_exception)


async def test_no_marker_in_any_metric_label(driven: Seen, stack: Stack) -> None:
    series = 0
    found: list[str] = []
    async with httpx.AsyncClient(timeout=30, auth=DevTokenAuth("ops.kominfo")) as ops:
        for name in ("enrollment", "verification", "bpjs-gateway", "notifications", "audit"):
            answer = await ops.get(f"{stack.url(name)}/metrics")
            assert answer.status_code == 200, (name, answer.status_code)
            for line in answer.text.splitlines():
                if line and not line.startswith("#"):
                    series += 1
                    if hits(line):
                        found.append(f"{name}: {line}")
    assert series > 100
    assert found == []
    COUNTS["metric series"] = series


async def test_no_marker_in_any_record_key_or_header_nor_a_dead_letter_reason(
    driven: Seen, stack: Stack
) -> None:
    prefix = stack.env["JKN_TOPIC_PREFIX"]
    topics = await _topics(prefix)
    assert prefix + "jkn.dlq.verification" in topics
    records = await _every_record(topics)
    found: list[str] = []
    headers = 0
    for r in records:
        visible = [(r.key or b"").decode(errors="replace")]
        for k, v in r.headers or ():
            headers += 1
            visible.append(f"{k}={v.decode(errors='replace')}")
        if got := hits(" ".join(visible)):
            found.append(f"{r.topic}@{r.offset}: {got}")
    dead = [r for r in records if r.topic.startswith(prefix + "jkn.dlq.")]
    reasons = [dict(r.headers)["x-dlq-reason"].decode() for r in dead]
    assert len(dead) >= 3, "the forged records were dead-lettered"
    assert any(reason.startswith("INVALID_EVENT: ValidationError") for reason in reasons)
    assert any(reason.startswith("EVENT_NOT_OF_TOPIC") for reason in reasons)
    assert found == []
    COUNTS["topics"] = len(topics)
    COUNTS["records"] = len(records)
    COUNTS["record headers"] = headers
    COUNTS["dead-letter records"] = len(dead)


async def test_no_marker_in_any_error_body(driven: Seen) -> None:
    found = [(body[:300], hits(body)) for body in driven.error_bodies if hits(body)]
    assert len(driven.error_bodies) >= 6
    assert found == []
    COUNTS["error bodies"] = len(driven.error_bodies)


# --- erasure: the rejected marker is forgotten, the trail of what was decided stays ----

# Proposed for the erasure alone (no other marker shares a value): not in the civil
# registry, so rejected by Dinkes — never activated, Dinas Sosial may erase them at once.
ERASED = Marker(
    "1571025506927735", "1571020101927735", "Warga Terlupa Kelima", "P", "1992-06-15",
    "081277310005", "Jl. Lupa Ingatan No. 7735, RT 035, Pakuan Baru",
)  # fmt: skip
SCHEMAS = ("enrollment", "verification", "bpjs_gateway", "notifications", "audit", "keyring")


def erased_hits(text: str) -> list[str]:
    """The erased resident's own values (the other markers' data legitimately stays)."""
    low = text.lower()
    values = (ERASED.nik, ERASED.kk, ERASED.name, ERASED.phone, ERASED.address)
    return [v for v in values if v.lower() in low]


async def _admin(stack: Stack) -> asyncpg.Connection:
    """The stack's own database, as the Postgres administrator (reads every schema)."""
    database = urlsplit(stack.env["ENROLLMENT_DATABASE_URL"]).path.lstrip("/")
    return await asyncpg.connect(urlsplit(ADMIN_URL)._replace(path=f"/{database}").geturl())


async def _rows_with_the_erased(conn: asyncpg.Connection) -> tuple[int, list[str]]:
    """Every row of every table of every service's schema, as text: (rows, hits)."""
    tables = await conn.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'",
        list(SCHEMAS),
    )
    rows, found = 0, []
    for t in tables:
        name = f'"{t["table_schema"]}"."{t["table_name"]}"'
        for row in await conn.fetch(f"SELECT r::text AS line FROM {name} r"):  # noqa: S608 — catalogue names
            rows += 1
            if got := erased_hits(row["line"]):
                found.append(f"{name}: {got}")
    return rows, found


@pytest.fixture(scope="module")
async def erased(driven: Seen, stack: Stack) -> dict[str, Any]:
    """The erasure, asked by a Dinsos officer and applied by every service."""
    pid = ERASED.participant_id
    async with (
        httpx.AsyncClient(timeout=30, auth=DevTokenAuth("siti.dinsos")) as officer,
        httpx.AsyncClient(timeout=30, auth=DevTokenAuth("hana.auditor")) as auditor,
        httpx.AsyncClient(timeout=30) as anyone,
    ):
        proposed = await _propose(officer, stack.url("enrollment"), driven, ERASED)
        assert proposed.status_code == 201, proposed.text
        body = proposed.json()
        driven.receipts[pid] = (body["proposal_id"], body["receipt_code"])

        async def told_rejected() -> bool:
            sent = await _messages(auditor, stack.url("notifications"), pid)
            # Dinsos's own record too: topics have no common order, and erasure is refused
            # (STILL_ACTIVE) until enrollment has applied the rejection
            status = await anyone.get(
                f"{stack.url('enrollment')}/proposals/{body['proposal_id']}",
                params={"receipt_code": body["receipt_code"]},
            )
            over = status.status_code == 200 and status.json()["status"] == "rejected"
            return "verification_rejected" in sent and over

        await eventually(told_rejected, timeout=120)  # every service has held their data
        answer = await officer.post(f"{stack.url('enrollment')}/residents/{pid}/erasure")
    assert answer.status_code == 200, answer.text
    conn = await _admin(stack)
    try:
        still: list[str] = []

        async def forgotten() -> int | None:
            rows, still[:] = await _rows_with_the_erased(conn)
            return None if still else rows

        # each service forgets in its own handler of ResidentDataErased: poll until all did
        try:
            rows = await eventually(forgotten, timeout=60)
        except AssertionError:
            pytest.fail(f"rows still holding the erased resident's data: {still}")
    finally:
        await conn.close()
    return {"answer": answer.json(), "rows": rows}


async def test_after_erasure_no_table_of_any_service_holds_the_residents_data(
    erased: dict[str, Any], stack: Stack
) -> None:
    conn = await _admin(stack)
    try:
        rows, found = await _rows_with_the_erased(conn)
        key = await conn.fetchrow(
            "SELECT wrapped, destroyed_at FROM keyring.deks WHERE participant_id = $1",
            ERASED.participant_id,
        )
    finally:
        await conn.close()
    assert erased["answer"]["ground"] == "never_enrolled"
    assert rows > 100
    assert found == []
    assert key is not None
    assert (key["wrapped"], key["destroyed_at"] is not None) == (None, True)  # crypto-shredded
    COUNTS["rows searched after erasure"] = rows


async def test_after_erasure_no_record_on_any_topic_opens_to_the_residents_data(
    erased: dict[str, Any], stack: Stack
) -> None:
    records = await _every_record(await _topics(stack.env["JKN_TOPIC_PREFIX"]))
    mine = [r for r in records if r.key == ERASED.participant_id.encode()]
    sealed = [
        EVENT_TYPES[event["event_type"]].model_validate(event)
        for event in (json.loads(r.value) for r in mine)
        if isinstance(event.get("payload"), dict) and "personal" in event["payload"]
    ]
    sealer = Sealer(Keyring(LocalKeks.parse(stack.env.get("JKN_KEKS") or DEV_KEKS)))
    conn = await _admin(stack)
    try:
        for event in sealed:
            with pytest.raises(PersonalDataErased):
                await sealer.open(conn, event)
    finally:
        await conn.close()
    assert {e.event_type for e in sealed} >= {"ParticipantRegistered"}
    assert [
        f"{r.topic}@{r.offset}" for r in records if erased_hits(r.value.decode("latin-1"))
    ] == []
    COUNTS["sealed records of the erased resident, none opens"] = len(sealed)


async def test_after_erasure_no_service_answers_with_the_residents_data(
    erased: dict[str, Any], driven: Seen, stack: Stack
) -> None:
    pid = ERASED.participant_id
    proposal_id, code = driven.receipts[pid]
    async with (
        httpx.AsyncClient(timeout=30, auth=DevTokenAuth("hana.auditor")) as auditor,
        httpx.AsyncClient(timeout=30) as resident,
    ):
        answers = [
            await resident.get(
                f"{stack.url('enrollment')}/proposals/{proposal_id}", params={"receipt_code": code}
            ),
            await auditor.get(
                f"{stack.url('notifications')}/messages", params={"participant_id": pid}
            ),
            await auditor.get(f"{stack.url('audit')}/participants/{pid}/history"),
        ]
    assert [erased_hits(a.text) for a in answers] == [[], [], []]
    history = answers[2].json()["events"]
    assert {"ParticipantRegistered", "VerificationRejected", "ResidentDataErased"} <= {
        e["what"] for e in history
    }  # what was decided about them stays, with their pseudonym only


async def test_after_erasure_the_audit_chain_still_verifies(
    erased: dict[str, Any], stack: Stack
) -> None:
    async with httpx.AsyncClient(timeout=30, auth=DevTokenAuth("hana.auditor")) as auditor:
        report = (await auditor.get(f"{stack.url('audit')}/verify")).json()
    assert report["ok"] is True, report
    assert report["rows"] > 10


async def test_after_erasure_no_log_line_or_span_holds_the_residents_data(
    erased: dict[str, Any], stack: Stack, spans: SpanCollector
) -> None:
    await asyncio.sleep(6)  # one export interval: the erasure's own spans and lines are out
    lines = [
        line
        for log in sorted(stack.run_dir.glob("*.log"))
        for line in log.read_text(errors="replace").splitlines()
    ]
    erasure_spans = [s for s in spans.snapshot() if "ResidentDataErased" in json.dumps(s)]
    assert erasure_spans, "the erasure was traced"
    assert [line[:200] for line in lines if erased_hits(line)] == []
    assert [s["name"] for s in spans.snapshot() if erased_hits(json.dumps(s))] == []


COUNTS: dict[str, int] = {}


def test_what_the_canary_searched() -> None:
    """Printed with -s; the counts the searches above asserted non-trivial."""
    print("\ncanary searched:", json.dumps(COUNTS, sort_keys=True))
    assert COUNTS, "the searches ran"
