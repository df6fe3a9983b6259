"""Proposing one resident over HTTP, and the resident's status question."""

from __future__ import annotations

import json
import uuid
from datetime import date

import asyncpg
import httpx
import pytest
from integration.enrollment.conftest import BOOTSTRAP
from integration.enrollment.residents import form
from jkn_bus.keyring import sealer_for
from jkn_bus.personal_data import LocalKeks
from jkn_contracts import (
    DeactivationReason,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
    RejectionReason,
    Resident,
    VerificationRejected,
    parse_event,
)
from jkn_contracts.events import (
    ActivatedPayload,
    DeactivatedPayload,
    RejectedPayload,
)
from support.kafka import produce, read_topic
from support.polling import eventually
from support.sealed import sealed_event

pytestmark = pytest.mark.infra


async def test_a_valid_proposal_is_registered_and_published_keyed_by_its_pseudonym(
    client: httpx.AsyncClient, topic_prefix: str, database: dict[str, str]
) -> None:
    sent = form(1)
    answer = await client.post("/proposals", json=sent)

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "registered"
    assert len(body["receipt_code"]) == 8
    records = await read_topic(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", expect=1)
    ours = [r for r in records if r.key == body["participant_id"].encode()]
    assert len(ours) == 1
    event = parse_event(ours[0].value)
    assert isinstance(event, ParticipantRegistered)
    assert str(event.payload.proposal_id) == body["proposal_id"]
    # the personal fields travel sealed under the resident's own key, which Dinkes can read
    assert sent["nik"].encode() not in ours[0].value
    assert sent["name"].encode() not in ours[0].value
    assert event.payload.personal.kid == f"{body['participant_id']}.v1"
    conn = await asyncpg.connect(database["verification"])
    try:
        opened = await sealer_for(LocalKeks.from_config()).open(conn, event)
    finally:
        await conn.close()
    assert (opened.nik, opened.name) == (sent["nik"], sent["name"])
    assert sent["nik"].encode() not in ours[0].key
    assert all(sent["nik"].encode() not in value for _, value in ours[0].headers)


async def test_a_nik_whose_birth_date_disagrees_with_the_form_is_rejected_with_field_and_rule(
    client: httpx.AsyncClient,
) -> None:
    sent = form(2, birth_date="1971-03-04")

    answer = await client.post("/proposals", json=sent)

    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert {"field": "birth_date", "rule": "NIK_BIRTH_DATE_MISMATCH"} in [
        {"field": e["field"], "rule": e["rule"]} for e in errors
    ]
    assert sent["nik"] not in answer.text
    assert sent["name"] not in answer.text


async def test_every_problem_of_a_form_is_reported_without_echoing_values(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(
        "/proposals", json=form(3, nik="15710112", sex="X", phone="abc", proposed_by="")
    )

    assert answer.status_code == 422
    rules = {(e["field"], e["rule"]) for e in answer.json()["errors"]}
    assert {("nik", "NIK_FORMAT"), ("sex", "SEX_VALUE"), ("phone", "PHONE_FORMAT"),
            ("proposed_by", "REQUIRED")} <= rules  # fmt: skip
    assert "15710112" not in answer.text


async def test_a_second_proposal_of_the_same_nik_gets_409_naming_the_first(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post("/proposals", json=form(4))
    again = await client.post("/proposals", json=form(4, name="Nama Lain", source="walk_in"))

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["proposal_id"] == first.json()["proposal_id"]
    assert again.json()["errors"][0]["rule"] == "ALREADY_PROPOSED"


async def test_the_status_needs_the_receipt_code_and_follows_the_agencies_decisions(
    client: httpx.AsyncClient, topic_prefix: str
) -> None:
    sent = form(5)
    created = (await client.post("/proposals", json=sent)).json()
    url = f"/proposals/{created['proposal_id']}"

    assert (await client.get(url)).status_code == 404
    assert (await client.get(url, params={"receipt_code": "AAAAAAAA"})).status_code == 404
    unknown = await client.get(f"/proposals/{uuid.uuid4()}", params={"receipt_code": "AAAAAAAA"})
    assert unknown.status_code == 404
    assert unknown.json() == (await client.get(url)).json()  # nothing tells them apart
    mine = await client.get(url, params={"receipt_code": created["receipt_code"].lower()})
    assert mine.status_code == 200
    assert mine.json()["status"] == "registered"

    journey = uuid.UUID(int=5)
    resident = Resident(**{k: v for k, v in sent.items() if k in Resident.model_fields})
    verified = sealed_event(
        ParticipantVerified, participant_id=created["participant_id"], correlation_id=journey,
        personal=resident.model_dump(),
        payload={"proposal_id": created["proposal_id"], "budget_year": 2026},
    )  # fmt: skip
    activated = ParticipantActivated(
        participant_id=created["participant_id"], correlation_id=journey,
        payload=ActivatedPayload(
            proposal_id=created["proposal_id"], no_kartu="0001234567890", kd_provider="0157R001",
            nm_provider="Puskesmas Olak Kemang", effective_date=date(2026, 3, 1),
        ),
    )  # fmt: skip
    key = created["participant_id"].encode()
    # Activation first: the two topics are read independently, the status never goes back.
    await produce(BOOTSTRAP, topic_prefix + "jkn.bpjs.participants",
                  [(key, activated.model_dump_json().encode())])  # fmt: skip
    await produce(BOOTSTRAP, topic_prefix + "jkn.dinkes.verifications",
                  [(key, verified.model_dump_json().encode())])  # fmt: skip

    async def both_seen() -> dict[str, object] | None:
        status = (await client.get(url, params={"receipt_code": created["receipt_code"]})).json()
        return status if len(status["history"]) == 3 else None

    status = await eventually(both_seen)
    assert status["status"] == "activated"
    assert status["card"] == {
        "no_kartu": "0001234567890",
        "clinic": {"code": "0157R001", "name": "Puskesmas Olak Kemang"},
        "effective_date": "2026-03-01",
    }
    assert {h["status"] for h in status["history"]} == {"registered", "verified", "activated"}
    assert sent["nik"] not in json.dumps(status)


async def _status(client: httpx.AsyncClient, created: dict[str, str]) -> dict[str, object]:
    url = f"/proposals/{created['proposal_id']}"
    return dict((await client.get(url, params={"receipt_code": created["receipt_code"]})).json())


async def _until_status(
    client: httpx.AsyncClient, created: dict[str, str], status: str
) -> dict[str, object]:
    async def reached() -> dict[str, object] | None:
        now = await _status(client, created)
        return now if now["status"] == status else None

    return await eventually(reached)


async def test_a_resident_rejected_by_dinkes_may_be_proposed_again(
    client: httpx.AsyncClient, topic_prefix: str
) -> None:
    """Rule 6 (docs/domain.md#rule-6): a duplicate is one of a *pending or active* enrollment."""
    first = (await client.post("/proposals", json=form(6))).json()
    rejected = VerificationRejected(
        participant_id=first["participant_id"], correlation_id=uuid.uuid4(),
        payload=RejectedPayload(
            proposal_id=first["proposal_id"],
            reasons=[RejectionReason(code="NOT_IN_DTKS", message="Tidak terdaftar di DTKS.")],
        ),
    )  # fmt: skip
    key = first["participant_id"].encode()
    await produce(BOOTSTRAP, topic_prefix + "jkn.dinkes.verifications",
                  [(key, rejected.model_dump_json().encode())])  # fmt: skip
    await _until_status(client, first, "rejected")

    again = await client.post("/proposals", json=form(6, source="dtks"))
    assert again.status_code == 201, again.text
    second = again.json()
    assert second["participant_id"] == first["participant_id"]
    assert second["proposal_id"] != first["proposal_id"]
    assert (await _status(client, second))["status"] == "registered"
    assert (await _status(client, first))["status"] == "rejected"  # its own story is kept

    third = await client.post("/proposals", json=form(6))
    assert third.status_code == 409
    assert third.json()["proposal_id"] == second["proposal_id"]


async def test_after_a_deactivation_a_new_proposal_follows_its_own_journey(
    client: httpx.AsyncClient, topic_prefix: str
) -> None:
    first = (await client.post("/proposals", json=form(7))).json()
    key = first["participant_id"].encode()
    deactivated = ParticipantDeactivated(  # names no proposal: it ends the current one
        participant_id=first["participant_id"], correlation_id=uuid.uuid4(),
        payload=DeactivatedPayload(no_kartu="0001234567891", reason=DeactivationReason.PINDAH,
                                   effective_date=date(2026, 4, 1)),
    )  # fmt: skip
    await produce(BOOTSTRAP, topic_prefix + "jkn.bpjs.participants",
                  [(key, deactivated.model_dump_json().encode())])  # fmt: skip
    await _until_status(client, first, "deactivated")

    second = (await client.post("/proposals", json=form(7))).json()
    assert "proposal_id" in second, second
    activated = ParticipantActivated(
        participant_id=second["participant_id"], correlation_id=uuid.uuid4(),
        payload=ActivatedPayload(
            proposal_id=second["proposal_id"], no_kartu="0001234567891", kd_provider="0157R001",
            nm_provider="Puskesmas Olak Kemang", effective_date=date(2026, 6, 1),
        ),
    )  # fmt: skip
    await produce(BOOTSTRAP, topic_prefix + "jkn.bpjs.participants",
                  [(key, activated.model_dump_json().encode())])  # fmt: skip

    now = await _until_status(client, second, "activated")
    assert now["card"]["effective_date"] == "2026-06-01"  # type: ignore[index]
    earlier = await _status(client, first)
    assert (earlier["status"], earlier["card"]) == ("deactivated", None)
    assert [h["event_type"] for h in earlier["history"]] == [  # type: ignore[attr-defined]
        "ParticipantRegistered",
        "ParticipantDeactivated",
    ]
