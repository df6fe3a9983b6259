"""What the residents' pages read from the receipt-code status beside the sentence: the
waiting position and the date coverage ends, as fields of their reasons, so each can be
worded in the resident's language (services/residents-web)."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest
from integration.enrollment.conftest import BOOTSTRAP
from integration.enrollment.residents import form
from jkn_contracts import DeactivationReason, ParticipantDeactivated, ParticipantWaitlisted
from jkn_contracts.events import DeactivatedPayload, WaitlistedPayload
from support.kafka import produce
from support.polling import eventually

pytestmark = pytest.mark.infra


async def _reasons_once(
    client: httpx.AsyncClient, created: dict[str, str], status: str
) -> list[dict[str, object]]:
    url = f"/proposals/{created['proposal_id']}"

    async def reached() -> list[dict[str, object]] | None:
        now = (await client.get(url, params={"receipt_code": created["receipt_code"]})).json()
        return list(now["reasons"]) if now["status"] == status else None

    return await eventually(reached)


async def test_a_waiting_resident_s_status_names_the_position_they_joined_at(
    client: httpx.AsyncClient, topic_prefix: str
) -> None:
    created = (await client.post("/proposals", json=form(31))).json()
    waitlisted = ParticipantWaitlisted(
        participant_id=created["participant_id"], correlation_id=uuid.uuid4(),
        payload=WaitlistedPayload(proposal_id=created["proposal_id"], position=37),
    )  # fmt: skip
    key = created["participant_id"].encode()
    topic = topic_prefix + "jkn.dinkes.verifications"
    await produce(BOOTSTRAP, topic, [(key, waitlisted.model_dump_json().encode())])

    reasons = await _reasons_once(client, created, "waitlisted")
    assert reasons[0]["code"] == "QUOTA_FULL"
    assert reasons[0]["position"] == 37
    assert "urutan ke-37" in str(reasons[0]["message"])


async def test_a_deactivated_resident_s_status_names_the_day_coverage_ends(
    client: httpx.AsyncClient, topic_prefix: str
) -> None:
    created = (await client.post("/proposals", json=form(32))).json()
    deactivated = ParticipantDeactivated(
        participant_id=created["participant_id"], correlation_id=uuid.uuid4(),
        payload=DeactivatedPayload(no_kartu="0001234567892", reason=DeactivationReason.MAMPU,
                                   effective_date=date(2026, 5, 1)),
    )  # fmt: skip
    key = created["participant_id"].encode()
    topic = topic_prefix + "jkn.bpjs.participants"
    await produce(BOOTSTRAP, topic, [(key, deactivated.model_dump_json().encode())])

    reasons = await _reasons_once(client, created, "deactivated")
    assert reasons == [
        {
            "code": "DEACTIVATED_MAMPU",
            "message": "Kepesertaan berakhir mulai 2026-05-01.",
            "effective_date": "2026-05-01",
        }
    ]
