"""The journey as a load: one CSV import of N residents, followed on the topics until every
resident reached a final event, with the stack's CPU time around it and its RSS sampled
through it. ``make bench`` reports it against raw Kafka; ``make profile`` under py-spy."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from aiokafka import AIOKafkaConsumer
from jkn_contracts import parse_event
from jkn_devstack.credentials import admin_kafka_kwargs
from jkn_devstack.tokens import DevTokenAuth

from jkn_demo.shared_servers import cpu_spent, server_cpu_seconds
from jkn_demo.stack import Stack
from jkn_demo.stackenv import BOOTSTRAP

__all__ = [
    "APPROVER",
    "FINAL",
    "IMPORTER",
    "JourneyRun",
    "accepted_when_done",
    "run_journey",
    "watch_journey",
]

FINAL = {
    "ParticipantActivated",
    "VerificationRejected",
    "RegistrationRefused",
    "ParticipantWaitlisted",
}

# the import and its progress, as Dinsos's welfare-data system (the simulator takes no token)
IMPORTER = DevTokenAuth("dinsos-siks")
# the second person who approves the import's preview (maker-checker): a Dinsos officer
APPROVER = DevTokenAuth("yusuf.dinsos")


@dataclass
class JourneyRun:
    """What one journey showed: per participant, when registered/activated, the final
    event type and each event type's time; the run's duration, CPU seconds and peak RSS
    per component."""

    registered: dict[str, datetime] = field(default_factory=dict)
    activated: dict[str, datetime] = field(default_factory=dict)
    final: dict[str, str] = field(default_factory=dict)
    seen: dict[str, dict[str, datetime]] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    peak_rss: dict[str, int] = field(default_factory=dict)
    intake_rows: int = 0  # the import's lines, and from its upload until all were stored
    intake_s: float = 0.0
    # the shared Postgres server and Kafka broker over the run (jkn_demo.shared_servers)
    server_cpu_seconds: dict[str, float] = field(default_factory=dict)


async def run_journey(
    stack: Stack, client: httpx.AsyncClient, proposals: bytes, prefix: str, proposed_by: str
) -> JourneyRun:
    """Import ``proposals`` into the running ``stack`` (topics under ``prefix``): uploaded
    as a preview, approved by a second Dinsos officer, and followed until every accepted
    resident is final (at most 30 minutes; the preview and approval are in the time)."""
    run = JourneyRun()

    async def sample_rss() -> None:
        while True:
            for name, rss in stack.peak_rss().items():
                run.peak_rss[name] = max(run.peak_rss.get(name, 0), rss)
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample_rss())
    cpu_before, servers_before = stack.cpu_seconds(), server_cpu_seconds()
    started = time.monotonic()
    reply = await client.post(
        f"{stack.url('enrollment')}/imports",
        content=proposals,
        params={"proposed_by": proposed_by},
        headers={"content-type": "text/csv"},
        auth=IMPORTER,
    )
    reply.raise_for_status()
    approved = await client.post(
        f"{stack.url('enrollment')}/imports/{reply.json()['import_id']}/approve", auth=APPROVER
    )
    approved.raise_for_status()
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    poller = asyncio.create_task(
        accepted_when_done(
            client, stack.url("enrollment"), reply.json()["import_id"], accepted, run
        )
    )
    try:
        await watch_journey(prefix, accepted, started + 1800, run)
    finally:
        poller.cancel()
        sampler.cancel()
    run.seconds = time.monotonic() - started
    cpu_after, servers_after = stack.cpu_seconds(), server_cpu_seconds()
    run.cpu_seconds = cpu_spent(cpu_before, cpu_after)
    run.server_cpu_seconds = cpu_spent(servers_before, servers_after)
    return run


async def watch_journey(
    prefix: str, expected: asyncio.Future[int], deadline: float, run: JourneyRun
) -> None:
    """Tail the journey topics until ``expected`` residents reached a final event."""
    consumer = AIOKafkaConsumer(
        f"{prefix}jkn.dinsos.participants",
        f"{prefix}jkn.dinkes.verifications",
        f"{prefix}jkn.bpjs.participants",
        bootstrap_servers=BOOTSTRAP,
        group_id=f"bench-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **admin_kafka_kwargs(),
    )
    await consumer.start()
    try:
        while (
            not (expected.done() and len(run.final) >= expected.result())
            and time.monotonic() < deadline
        ):
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batch.values():
                for record in records:
                    event = parse_event(record.value)
                    pid = event.participant_id
                    run.seen.setdefault(pid, {}).setdefault(event.event_type, event.occurred_at)
                    if event.event_type == "ParticipantRegistered":
                        run.registered.setdefault(pid, event.occurred_at)
                    elif event.event_type in FINAL:
                        run.final.setdefault(pid, event.event_type)
                        if event.event_type == "ParticipantActivated":
                            run.activated.setdefault(pid, event.occurred_at)
    finally:
        await consumer.stop()


async def accepted_when_done(
    client: httpx.AsyncClient,
    enrollment: str,
    import_id: str,
    out: asyncio.Future[int],
    run: JourneyRun | None = None,
) -> None:
    """Set ``out`` to the number of residents the import accepted, once it is done; and
    ``run``'s intake: the lines read, and the import's own time from upload (its preview)
    until its last proposal was stored (``started_at`` to ``finished_at``)."""
    while True:
        answer = await client.get(f"{enrollment}/imports/{import_id}", auth=IMPORTER)
        status = answer.raise_for_status().json()
        if status["status"] not in ("preview", "running"):
            if run is not None and status["finished_at"]:
                run.intake_rows = int(status["lines_read"])
                run.intake_s = (
                    datetime.fromisoformat(status["finished_at"])
                    - datetime.fromisoformat(status["started_at"])
                ).total_seconds()
            out.set_result(int(status["accepted"]))
            return
        await asyncio.sleep(1)
