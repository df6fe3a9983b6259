"""A small test service on the shared library: it records every applied event in order."""

from __future__ import annotations

import uuid

from jkn_bus.settings import BusSettings
from jkn_bus.unit_of_work import UnitOfWork
from jkn_contracts import DeactivationRequested, participant_id_for

SERVICE = "verification"  # the test service borrows a real role and schema

APPLIED_TABLE = """
CREATE TABLE IF NOT EXISTS test_applied (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid NOT NULL,
    participant  text NOT NULL,
    step         int  NOT NULL
)
"""


def settings(database_url: str, bootstrap: str, prefix: str) -> BusSettings:
    return BusSettings(
        service=SERVICE,
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        jkn_topic_prefix=prefix,
        relay_poll_interval_s=0.2,
    )


def participant(n: int) -> str:
    return participant_id_for(f"157101010190{n:04d}", "test-key")


def step_event(who: str, step: int, *, poison: bool = False) -> DeactivationRequested:
    """An event whose evidence_ref carries its step number (and a poison marker)."""
    return DeactivationRequested(
        participant_id=who,
        correlation_id=uuid.uuid4(),
        payload={
            "reason": "pindah",
            "evidence_ref": f"{'poison' if poison else 'step'}-{step}",
            "reported_by": "test",
        },
    )


async def record_step(uow: UnitOfWork, event: DeactivationRequested) -> None:
    """Handler: fails on poison, otherwise appends (participant, step) to test_applied."""
    kind, step = event.payload.evidence_ref.split("-")
    if kind == "poison":
        raise ValueError("evidence_ref marks a poison message")
    await uow.conn.execute(
        "INSERT INTO test_applied (event_id, participant, step) VALUES ($1, $2, $3)",
        event.event_id,
        event.participant_id,
        int(step),
    )
