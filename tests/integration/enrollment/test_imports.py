"""CSV imports: line-by-line report, chunked commits, and continuing after a crash."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from enrollment.adapters import imports as import_store
from enrollment.adapters.proposals import insert_many
from enrollment.app.imports import import_lock_key
from enrollment.app.proposals import new_proposal
from enrollment.domain import Proposal, validate_proposal
from integration.enrollment.conftest import APPROVER, BOOTSTRAP, approved
from integration.enrollment.residents import csv_text, form, resident
from jkn_bus import BusSettings
from jkn_contracts import ParticipantRegistered, parse_event
from jkn_devstack.credentials import admin_kafka_kwargs
from jkn_devstack.identities import identity
from jkn_devstack.tokens import DevTokenAuth, default_issuer, fetch_token
from support.polling import eventually

pytestmark = pytest.mark.infra


async def _finished(
    client: httpx.AsyncClient, import_id: str, within_s: float = 60
) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        progress = (await client.get(f"/imports/{import_id}")).json()
        return progress if progress["status"] != "running" else None

    return await eventually(done, timeout=within_s)


async def test_a_csv_import_reports_each_bad_line_and_registers_the_good_ones(
    client: httpx.AsyncClient, approver: httpx.AsyncClient
) -> None:
    already = await client.post("/proposals", json=form(100))
    assert already.status_code == 201
    rows = [
        resident(101),                                  # line 2
        {**resident(102), "birth_date": "12/03/1970"},  # line 3: date format
        {**resident(103), "nik": "9971011203700001"},   # line 4: province 99
        resident(104),                                  # line 5
        resident(101),                                  # line 6: duplicate of line 2
        resident(100),                                  # line 7: proposed before
        {**resident(105), "sex": "P" if resident(105)["sex"] == "L" else "L"},  # line 8
        resident(106),                                  # line 9
    ]  # fmt: skip
    files = {"file": ("usulan.csv", csv_text(rows).encode(), "text/csv")}

    started = await client.post("/imports", params={"proposed_by": "kelurahan-a"}, files=files)

    progress = await _finished(client, await approved(approver, started))
    assert progress["status"] == "completed"
    assert (progress["lines_read"], progress["accepted"], progress["rejected"],
            progress["duplicates"]) == (8, 3, 3, 2)  # fmt: skip
    assert progress["last_committed_line"] == 9
    errors = (await client.get(f"/imports/{started.json()['import_id']}/errors")).json()["errors"]
    found = [(e["line"], e["field"], e["rule"]) for e in errors if e["severity"] == "error"]
    assert found == [
        (3, "birth_date", "DATE_FORMAT"),
        (4, "nik", "NIK_PROVINCE"),
        (6, "nik", "DUPLICATE_IN_FILE"),
        (7, "nik", "ALREADY_PROPOSED"),
        (8, "sex", "NIK_SEX_MISMATCH"),
    ]
    assert errors[2]["first_line"] == 2
    assert errors[3]["existing_proposal_id"] == already.json()["proposal_id"]
    report = await client.get(
        f"/imports/{started.json()['import_id']}/errors", params={"format": "csv"}
    )
    assert report.headers["content-type"].startswith("text/csv")
    assert report.text.splitlines()[0].startswith("line,field,rule,message")
    assert len(report.text.strip().splitlines()) == 1 + len(errors)
    for row in rows:
        assert row["nik"] not in report.text
        assert row["name"] not in report.text


async def test_a_raw_csv_body_is_accepted_and_old_nik_dates_are_kept_as_warnings(
    client: httpx.AsyncClient, approver: httpx.AsyncClient
) -> None:
    old = {**resident(110), "nik": "1571013213700001", "birth_date": "1970-01-01", "sex": "L"}
    text = csv_text([old, resident(111)], delimiter=",")

    started = await client.post(
        "/imports", params={"proposed_by": "kelurahan-b"}, content=text.encode(),
        headers={"content-type": "text/csv"},
    )  # fmt: skip

    progress = await _finished(client, await approved(approver, started))
    assert (progress["status"], progress["accepted"], progress["warnings"]) == ("completed", 2, 1)
    errors = (await client.get(f"/imports/{started.json()['import_id']}/errors")).json()["errors"]
    assert [(e["line"], e["severity"], e["rule"]) for e in errors] == [
        (2, "warning", "NIK_BIRTH_DAY")
    ]


async def test_a_file_with_a_broken_header_is_refused_at_once(client: httpx.AsyncClient) -> None:
    text = "nik;nama;sex\n1571010101700001;Budi;L\n"

    answer = await client.post(
        "/imports", params={"proposed_by": "x"}, content=text, headers={"content-type": "text/csv"}
    )

    assert answer.status_code == 422
    rules = {(e["field"], e["rule"]) for e in answer.json()["errors"]}
    assert ("column_2", "UNKNOWN_COLUMN") in rules  # by position: never a value
    assert ("birth_date", "MISSING_COLUMN") in rules


def _receipts(download: httpx.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(download.text)))


async def test_an_imported_resident_asks_for_their_status_with_the_code_from_the_receipts(
    client: httpx.AsyncClient, approver: httpx.AsyncClient
) -> None:
    rows = [
        resident(200),                                  # line 2
        {**resident(201), "kelurahan": "12"},           # line 3: rejected
        resident(202),                                  # line 4
        resident(200),                                  # line 5: duplicate of line 2
        resident(203),                                  # line 6
    ]  # fmt: skip
    started = await client.post(
        "/imports", params={"proposed_by": "kelurahan-c"}, content=csv_text(rows).encode(),
        headers={"content-type": "text/csv"},
    )  # fmt: skip
    import_id = await approved(approver, started)
    assert (await _finished(client, import_id))["accepted"] == 3

    download = await client.get(f"/imports/{import_id}/receipts")

    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.text.splitlines()[0] == "line,proposal_id,receipt_code"
    receipts = _receipts(download)
    assert [r["line"] for r in receipts] == ["2", "4", "6"]  # accepted lines only, in order
    for row in rows:
        for personal in (row["nik"], row["name"], row["address"]):
            assert personal not in download.text
    for receipt in receipts:
        url = f"/proposals/{receipt['proposal_id']}"
        mine = await client.get(url, params={"receipt_code": receipt["receipt_code"]})
        assert mine.status_code == 200
        assert mine.json()["status"] == "registered"
    wrong = await client.get(
        f"/proposals/{receipts[0]['proposal_id']}", params={"receipt_code": "AAAAAAAA"}
    )
    assert wrong.status_code == 404


async def test_the_receipts_of_an_unknown_import_are_404(client: httpx.AsyncClient) -> None:
    answer = await client.get(f"/imports/{uuid.uuid4()}/receipts")

    assert answer.status_code == 404
    assert answer.json()["errors"][0]["field"] == "import_id"
    assert answer.json()["errors"][0]["rule"] == "NOT_FOUND"


# --- a crash in the middle of an import ---------------------------------------------------------

ROWS = 6000
GATE_LINE = 450  # inside the fifth chunk of 100 rows (lines 402-501)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def service_process(enrollment_settings: BusSettings) -> Iterator[Any]:
    """Starts `python -m enrollment` on the module's database and topics (killed at teardown)."""
    procs: list[subprocess.Popen[bytes]] = []
    port = _free_port()

    def start() -> str:
        env = {
            **os.environ,
            "ENROLLMENT_DATABASE_URL": enrollment_settings.database_url,
            "JKN_TOPIC_PREFIX": enrollment_settings.jkn_topic_prefix,
            "KAFKA_BOOTSTRAP_SERVERS": BOOTSTRAP,
            "ENROLLMENT_HTTP_PORT": str(port),
            "ENROLLMENT_IMPORT_CHUNK_ROWS": "100",
        }
        procs.append(subprocess.Popen([sys.executable, "-m", "enrollment"], env=env))
        return f"http://127.0.0.1:{port}"

    yield start, procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def _healthy(url: str) -> None:
    async def up() -> bool:
        try:
            async with httpx.AsyncClient(base_url=url) as c:
                return (await c.get("/health")).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(up, timeout=60)


@contextlib.asynccontextmanager
async def _proposed_by_another_clerk(
    settings: BusSettings, row: dict[str, str]
) -> AsyncIterator[Callable[[], Awaitable[int | None]]]:
    """Another clerk's proposal of ``row``'s resident, inserted and not committed until the
    block ends (then rolled back): an import reaching that resident waits for it (the
    unique participant_id). Yields a check: the pid of the session waiting for it, if any."""
    conn = await asyncpg.connect(settings.database_url)
    pending = conn.transaction()
    await pending.start()
    try:
        proposal = validate_proposal(row, strict=False)
        assert isinstance(proposal, Proposal)
        clerk = new_proposal(
            proposal,
            proposed_by="petugas-dinsos-2",
            pseudonym_key=settings.jkn_pseudonym_key,
            receipt_key="test-receipt-key",
        )
        assert await insert_many(conn, [clerk]) == {clerk.proposal_id}

        async def waiting() -> int | None:
            pid: int | None = await conn.fetchval(
                "SELECT pid FROM pg_stat_activity"
                " WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )
            return pid

        yield waiting
    finally:
        await pending.rollback()
        await conn.close()


async def _session_ended(settings: BusSettings, pid: int) -> None:
    """Until the Postgres session ``pid`` is gone (and with it its locks)."""
    conn = await asyncpg.connect(settings.database_url)
    try:

        async def ended() -> bool:
            return not await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid
            )

        await eventually(ended)
    finally:
        await conn.close()


async def _whole_topic(topic: str) -> list[ConsumerRecord]:
    """Every record ``topic`` holds now, from its first offset up to its end offsets."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=BOOTSTRAP,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **admin_kafka_kwargs(),
    )
    await consumer.start()  # without a group: every partition, from its first offset
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        ends = await consumer.end_offsets(parts)
        records: list[ConsumerRecord] = []

        async def at_the_end() -> bool:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
            return all([await consumer.position(tp) >= ends[tp] for tp in parts])

        await eventually(at_the_end, interval=0)
        return records
    finally:
        await consumer.stop()


async def _uploaded_and_approved(service: httpx.AsyncClient, text: bytes) -> str:
    """The DTKS batch uploaded by the client's caller, approved by a Dinsos officer."""
    previewed = await service.post(
        "/imports", params={"proposed_by": "dtks-2026"}, content=text,
        headers={"content-type": "text/csv"},
    )  # fmt: skip
    assert previewed.status_code == 201, previewed.text
    import_id: str = previewed.json()["import_id"]
    decided = await service.post(f"/imports/{import_id}/approve", auth=DevTokenAuth(APPROVER))
    assert decided.status_code == 202, decided.text
    return import_id


async def test_an_import_killed_midway_is_reported_interrupted_and_rerunning_applies_the_rest(
    service_process: Any, enrollment_settings: BusSettings, topic_prefix: str
) -> None:
    start, procs = service_process
    siks = DevTokenAuth("dinsos-siks")  # Dinsos's welfare-data system imports the DTKS batch
    rows = [resident(1000 + n) for n in range(ROWS)]
    text = csv_text(rows).encode()
    # The import commits its chunks up to the one holding GATE_LINE and waits inside that
    # chunk's transaction: when it is killed it is certainly running, with a chunk in
    # flight, however fast or slow this machine is.
    url = start()
    await _healthy(url)
    async with _proposed_by_another_clerk(enrollment_settings, rows[GATE_LINE - 2]) as waiting:
        async with httpx.AsyncClient(base_url=url, timeout=30, auth=siks) as service:
            first = await _uploaded_and_approved(service, text)
            import_session = await eventually(waiting)
            before_kill = (await service.get(f"/imports/{first}")).json()
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait()
    # The clerk rolled back: the dead import's session stops waiting, finds its client gone,
    # rolls its chunk back and ends, and Postgres drops the import's lock with it.
    await _session_ended(enrollment_settings, import_session)
    assert before_kill["status"] == "running"
    assert before_kill["last_committed_line"] > 300  # some chunks committed, not the file

    url = start()  # the restart finds the import without its owner
    await _healthy(url)
    async with httpx.AsyncClient(base_url=url, timeout=30, auth=siks) as service:
        interrupted = (await service.get(f"/imports/{first}")).json()
        assert interrupted["status"] == "interrupted"
        applied_line = interrupted["last_committed_line"]
        # Exactly the chunks committed before the kill: the one in flight left nothing.
        assert before_kill["last_committed_line"] == applied_line < ROWS + 1
        assert interrupted["accepted"] == applied_line - 1

        second = await _uploaded_and_approved(service, text)
        # thousands of rows in chunks of 100: a loaded machine takes minutes
        done = await _finished(service, second, within_s=300)
    assert done["status"] == "completed"
    assert (done["resumed_from"], done["resumed_after_line"]) == (first, applied_line)
    assert (done["accepted"], done["duplicates"], done["rejected"]) == (ROWS, 0, 0)

    conn = await asyncpg.connect(enrollment_settings.database_url)
    try:
        per_import = dict(await conn.fetch(
            "SELECT import_id::text, count(*) FROM proposals WHERE import_id = ANY($1::uuid[])"
            " GROUP BY import_id", [first, second],
        ))  # fmt: skip

        async def outbox_published() -> bool:
            return not await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")

        # Every committed event is acknowledged by Kafka (rows are marked published only
        # then), so reading up to the end offsets taken now misses none of them.
        await eventually(outbox_published, timeout=60)
    finally:
        await conn.close()
    assert per_import == {first: applied_line - 1, second: ROWS - (applied_line - 1)}
    async with httpx.AsyncClient(base_url=url, timeout=30, auth=siks) as service:
        first_receipts = _receipts(await service.get(f"/imports/{first}/receipts"))
        receipts = _receipts(await service.get(f"/imports/{second}/receipts"))
    # The continuation hands out the codes of the whole file, like its report and counts.
    assert len(first_receipts) == applied_line - 1
    assert [int(r["line"]) for r in receipts] == list(range(2, ROWS + 2))
    assert receipts[: applied_line - 1] == first_receipts

    # The topic also holds this module's other events, and replays: all of it is read.
    records = await _whole_topic(topic_prefix + "jkn.dinsos.participants")
    imported = [
        e for e in (parse_event(r.value) for r in records)
        if isinstance(e, ParticipantRegistered) and e.payload.proposed_by == "dtks-2026"
    ]  # fmt: skip
    assert len({e.participant_id for e in imported}) == ROWS
    assert len({e.event_id for e in imported}) == ROWS  # replays (if any) repeat an event id


async def _cli(*args: str, env: dict[str, str]) -> tuple[int | None, str, str]:
    cli = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "enrollment", "import", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(cli.communicate(), timeout=60)
    return cli.returncode, out.decode(), err.decode()


async def test_the_cli_uploads_a_preview_and_a_second_officer_approves_it_and_saves_the_receipts(
    service_process: Any, tmp_path: Path
) -> None:
    start, _ = service_process
    url = start()
    await _healthy(url)
    path = tmp_path / "usulan.csv"
    path.write_text(csv_text([resident(9000), {**resident(9001), "kelurahan": "12"}]))

    receipts = tmp_path / "kode-tanda-terima.csv"
    siks = identity("dinsos-siks")  # a system: the client-credentials grant, as in production
    env = {k: v for k, v in os.environ.items() if k != "JKN_ACCESS_TOKEN"} | {
        "JKN_OIDC_TOKEN_URL": f"{default_issuer()}/protocol/openid-connect/token",
        "JKN_OIDC_CLIENT_ID": siks.name,
        "JKN_OIDC_CLIENT_SECRET": siks.secret,
    }

    code, text, err = await _cli(str(path), "--url", url, env=env)

    assert code == 0, err
    assert siks.secret not in text + err
    assert "eyJ" not in text + err, "no token (a JWT) is ever printed"
    assert "preview: 2 rows, 1 valid, 1 invalid" in text
    assert "KELURAHAN_FORMAT: 1 rows (lines 3)" in text
    import_id = text.split("--approve ", 1)[1].split()[0]
    officer = {k: v for k, v in env.items() if not k.startswith("JKN_OIDC_")}
    officer["JKN_ACCESS_TOKEN"] = await fetch_token(APPROVER)

    code, text, err = await _cli(
        "--approve", import_id, "--url", url, "--receipts", str(receipts), env=officer
    )

    assert code == 0, err
    assert "eyJ" not in text + err, "no token (a JWT) is ever printed"
    assert "completed: 2 rows read, 1 accepted, 1 rejected" in text
    assert "line 3: error kelurahan KELURAHAN_FORMAT" in text
    assert f"saved to {receipts}" in text
    saved = list(csv.DictReader(receipts.open(newline="")))
    assert [(r["line"], len(r["receipt_code"])) for r in saved] == [("2", 8)]


async def test_the_cli_without_a_token_says_one_is_needed_before_calling_anything(
    tmp_path: Path,
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens: it must not get that far
    path = tmp_path / "usulan.csv"
    path.write_text(csv_text([resident(9100)]))
    credentials = {"JKN_ACCESS_TOKEN", "JKN_OIDC_TOKEN_URL", "JKN_OIDC_CLIENT_ID"}
    env = {k: v for k, v in os.environ.items() if k not in credentials}

    cli = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "enrollment", "import", str(path), "--url", url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(cli.communicate(), timeout=60)

    assert cli.returncode == 2
    assert "a token is needed" in err.decode()
    assert "JKN_OIDC_CLIENT_SECRET" in err.decode()
    assert out.decode() == ""


async def test_a_running_replica_reports_an_import_whose_owner_died_without_waiting_for_a_restart(
    app: Any, client: httpx.AsyncClient, enrollment_settings: BusSettings
) -> None:
    orphan, alive = uuid.uuid4(), uuid.uuid4()
    other_replica = await asyncpg.connect(enrollment_settings.database_url)
    reaper = asyncio.create_task(app.state.imports.reap_periodically(0.05))
    try:
        # another replica is importing `alive` (it holds the import's lock); the replica
        # that ran `orphan` died, and its lock went with its connection
        await other_replica.execute("SELECT pg_advisory_lock($1)", import_lock_key(alive))
        for import_id in (orphan, alive):
            await import_store.create(
                other_replica, import_id, proposed_by="dtks-2026", sha256="0" * 64,
                resumed_from=None, progress=import_store.Progress(),
            )  # fmt: skip

        async def reported() -> dict[str, Any] | None:
            found = (await client.get(f"/imports/{orphan}")).json()
            return found if found["status"] == "interrupted" else None

        await eventually(reported, timeout=10)
        await asyncio.sleep(0.2)  # a few more passes of the reaper
        assert (await client.get(f"/imports/{alive}")).json()["status"] == "running"
    finally:
        reaper.cancel()
        await asyncio.gather(reaper, return_exceptions=True)
        await other_replica.close()
