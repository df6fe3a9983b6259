"""Every act is attributable: a command's unit of work stamps its caller on the facts it
writes (jkn_bus.unit_of_work); the outbox keys and serialises them as the contracts say."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from jkn_bus.auth import Principal
from jkn_bus.unit_of_work import UNKNOWN_AGENCY, UnitOfWork, actor_of
from jkn_contracts import Actor, QuotaChanged, SlotReleased, parse_event
from jkn_contracts.events import QuotaChangedPayload, SlotReleasedPayload

PID = "P" + "a1" * 12
VERIFIER = Actor(id="act_" + "0f" * 12, agency="dinkes", kind="person")
SOMEONE_ELSE = Actor(id="act_" + "e0" * 12, agency="dinsos", kind="system")


class RecordingConnection:
    """Stands in for a connection inside a transaction; keeps what was executed."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    def is_in_transaction(self) -> bool:
        return True

    async def execute(self, sql: str, *args: Any) -> str:
        self.statements.append((sql, args))
        return "OK"

    def outbox_rows(self) -> list[dict[str, Any]]:
        # each statement writes its rows as columns (arrays), one element a row
        return [
            {"event_type": t, "topic": topic, "key": key, "value": json.loads(value)}
            for sql, args in self.statements
            if "INSERT INTO outbox" in sql
            for t, topic, key, value in zip(args[1], args[2], args[3], args[4], strict=True)
        ]


def principal(**changes: Any) -> Principal:
    fields: dict[str, Any] = {
        "subject": "8c1e-uuid-of-rina",
        "issuer": "https://sso.example.go.id/realms/jkn",
        "username": "rina.dinkes",
        "agency": "dinkes",
        "kelurahan": None,
        "roles": frozenset({"dinkes-verifier"}),
        "is_system": False,
        "grants": {},
        "actor": VERIFIER.id,
    }
    return Principal(**{**fields, **changes})


def released() -> SlotReleased:
    return SlotReleased(
        participant_id=PID,
        correlation_id=uuid.uuid4(),
        payload=SlotReleasedPayload(reason="pindah", quota_used=9, quota_total=10),
    )


def quota_changed(actor: Actor = VERIFIER) -> QuotaChanged:
    return QuotaChanged(
        correlation_id=uuid.uuid4(),
        actor=actor,
        payload=QuotaChangedPayload(budget_year=2026, previous_total=10, total=12, used=10),
    )


def test_a_caller_acts_with_their_pseudonymous_id_their_agency_and_their_kind() -> None:
    assert actor_of(principal()) == VERIFIER
    system = actor_of(principal(is_system=True, agency="dinsos", actor=SOMEONE_ELSE.id))
    assert system == SOMEONE_ELSE


@pytest.mark.parametrize("agency", ["", "Dinas Kesehatan!", "x" * 41])
def test_a_token_naming_no_usable_agency_acts_for_an_unknown_one(agency: str) -> None:
    assert actor_of(principal(agency=agency)).agency == UNKNOWN_AGENCY


def test_an_agency_is_read_case_blind() -> None:
    assert actor_of(principal(agency=" DinKes ")).agency == "dinkes"


async def test_a_command_s_unit_of_work_stamps_its_actor_on_every_fact_it_writes() -> None:
    conn = RecordingConnection()
    uow = UnitOfWork(conn, topic_prefix="t.", actor=VERIFIER)  # type: ignore[arg-type]

    await uow.emit(released())

    assert [e.actor for e in uow.emitted] == [VERIFIER]
    (row,) = conn.outbox_rows()
    assert row["value"]["actor"] == {"id": VERIFIER.id, "agency": "dinkes", "kind": "person"}
    assert parse_event(json.dumps(row["value"])).actor == VERIFIER


async def test_a_fact_that_names_its_own_actor_keeps_it() -> None:
    # e.g. a deactivation request emitted in a later batch: who asked was recorded with it
    uow = UnitOfWork(RecordingConnection(), topic_prefix="", actor=VERIFIER)  # type: ignore[arg-type]

    await uow.emit(released().model_copy(update={"actor": SOMEONE_ELSE}))

    assert [e.actor for e in uow.emitted] == [SOMEONE_ELSE]


async def test_a_fact_caused_by_an_event_names_no_actor_and_is_written_as_before() -> None:
    conn = RecordingConnection()
    cause = released()
    uow = UnitOfWork(conn, topic_prefix="", cause=cause)  # type: ignore[arg-type]

    await uow.emit(released().model_copy(update={"causation_id": uow.causation_id}))

    (row,) = conn.outbox_rows()
    assert uow.emitted[0].actor is None
    assert "actor" not in row["value"]  # readers of the previous contracts read it unchanged
    assert row["value"]["causation_id"] == str(cause.event_id)


async def test_a_resident_s_fact_is_keyed_by_them_and_an_agency_s_act_by_what_orders_it() -> None:
    conn = RecordingConnection()
    uow = UnitOfWork(conn, topic_prefix="t.", actor=VERIFIER)  # type: ignore[arg-type]

    await uow.emit(released())
    await uow.emit(quota_changed())

    assert [(r["event_type"], r["topic"], r["key"]) for r in conn.outbox_rows()] == [
        ("SlotReleased", "t.jkn.dinkes.verifications", PID),
        ("QuotaChanged", "t.jkn.dinkes.verifications", "quota:2026"),
    ]
