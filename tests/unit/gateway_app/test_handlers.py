"""The gateway's handlers and the intents they record, carried out as the worker does,
against a fake BPJS and in-memory tables.

``on_*`` here are the consumer's handlers followed by the worker's attempts
(``unit.gateway_app.fakes.drain``): what a resident sees once the gateway has caught up."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from bpjs_bridging import BridgingDecryptError
from bpjs_gateway.adapters.bpjs_client import BpjsAuthError, BpjsUnavailable
from bpjs_gateway.app import handlers
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.domain.effective_dates import EffectiveDateRules
from bpjs_gateway.domain.peserta import KodeKeterangan
from jkn_bus import UnitOfWork
from jkn_bus.metrics import STAGE_SECONDS
from jkn_bus.personal_data import PersonalDataUnreadable
from jkn_contracts import (
    CoverageCheckRequested,
    CoverageReported,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantVerified,
    RegistrationRefused,
    SlotReleased,
    participant_id_for,
)
from support.sealed import KEYRING, sealed_event
from unit.gateway_app.fakes import World, drain

NIK = "1571015705800003"
OTHER_NIK = "1571021203910002"


async def on_coverage_check_requested(
    uow: UnitOfWork, event: CoverageCheckRequested, *, deps: Dependencies
) -> list[str]:
    await handlers.on_coverage_check_requested(uow, event, deps=deps)
    return await drain(deps, uow)


async def on_participant_verified(
    uow: UnitOfWork, event: ParticipantVerified, *, deps: Dependencies
) -> list[str]:
    await handlers.on_participant_verified(uow, event, deps=deps)
    return await drain(deps, uow)


async def on_slot_released(
    uow: UnitOfWork, event: SlotReleased, *, deps: Dependencies
) -> list[str]:
    await handlers.on_slot_released(uow, event, deps=deps)
    return await drain(deps, uow)


def pid(nik: str = NIK) -> str:
    return participant_id_for(nik, "test-key")


def coverage_request(nik: str = NIK) -> CoverageCheckRequested:
    return sealed_event(
        CoverageCheckRequested,
        participant_id=pid(nik),
        correlation_id=uuid.uuid4(),
        personal={"nik": nik},
        payload={"check_date": date(2025, 3, 10)},
    )


def verified(
    nik: str = NIK,
    *,
    uhc_priority: bool = False,
    proposal_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> ParticipantVerified:
    return sealed_event(
        ParticipantVerified,
        participant_id=pid(nik),
        correlation_id=uuid.uuid4(),
        occurred_at=occurred_at or datetime(2025, 3, 10, 2, 59, 58, tzinfo=UTC),
        personal={
            "nik": nik,
            "kk": "1571010101100001",
            "name": "Siti Aminah",
            "sex": "P",
            "birth_date": date(1980, 5, 17),
        },
        payload={
            "proposal_id": proposal_id or uuid.uuid4(),
            "budget_year": 2025,
            "uhc_priority": uhc_priority,
        },
    )


def slot_released(nik: str = NIK, reason: str = "pindah") -> SlotReleased:
    return SlotReleased(
        participant_id=pid(nik),
        correlation_id=uuid.uuid4(),
        payload={"reason": reason, "quota_used": 9, "quota_total": 10},
    )


async def activate(world: World, nik: str = NIK) -> ParticipantActivated:
    event = verified(nik)
    uow = world.uow(event)
    await on_participant_verified(uow, event, deps=world.deps)
    (activated,) = uow.emitted
    assert isinstance(activated, ParticipantActivated)
    return activated


# --- CoverageCheckRequested ------------------------------------------------------------------


async def test_a_coverage_check_of_a_known_nik_reports_the_membership_found_at_bpjs() -> None:
    world = World()
    card = world.bpjs.seed(NIK, "21")
    request = coverage_request()
    uow = world.uow(request)

    await on_coverage_check_requested(uow, request, deps=world.deps)

    (report,) = uow.emitted
    assert isinstance(report, CoverageReported)
    membership = report.payload.membership
    assert membership is not None
    assert (membership.no_kartu, membership.jenis_peserta_kode, membership.jenis_peserta) == (
        card.no_kartu,
        "21",
        "PBI (APBN)",
    )
    assert (membership.status_kode, membership.status) == ("0", "AKTIF")
    assert report.payload.check_date == date(2025, 3, 10)
    assert world.bpjs.calls == [("peserta_by_nik", date(2025, 3, 10))]


async def test_a_coverage_check_of_an_unknown_nik_reports_no_membership() -> None:
    world = World()
    request = coverage_request()
    uow = world.uow(request)

    await on_coverage_check_requested(uow, request, deps=world.deps)

    (report,) = uow.emitted
    assert isinstance(report, CoverageReported)
    assert report.payload.membership is None


async def test_a_coverage_report_is_caused_by_the_request_and_continues_its_journey() -> None:
    world = World()
    request = coverage_request()
    uow = world.uow(request)

    await on_coverage_check_requested(uow, request, deps=world.deps)

    (report,) = uow.emitted
    assert report.causation_id == request.event_id
    assert report.correlation_id == request.correlation_id
    assert report.participant_id == request.participant_id


@pytest.mark.parametrize(
    "failure",
    [
        BpjsUnavailable("BPJS answered HTTP 500"),
        BpjsAuthError("HTTP 403"),
        BridgingDecryptError("truncated"),
    ],
    ids=["unavailable", "auth", "undecryptable"],
)
async def test_a_coverage_check_bpjs_cannot_answer_now_is_retried_later_not_reported(
    failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    world = World()
    world.bpjs.fail_next.append(failure)
    request = coverage_request()
    uow = world.uow(request)

    with caplog.at_level(logging.DEBUG):
        outcomes = await on_coverage_check_requested(uow, request, deps=world.deps)

    assert outcomes == ["retry"]
    assert uow.emitted == []
    assert world.intents.of(request.participant_id) == [("lookup", "pending")]
    assert type(failure).__name__ in caplog.text
    assert NIK not in caplog.text

    assert await drain(world.deps, uow) == ["reported"]  # BPJS answers again
    (report,) = uow.emitted
    assert isinstance(report, CoverageReported)


# --- ParticipantVerified ----------------------------------------------------------------------


async def test_a_verified_participant_is_registered_at_bpjs_and_activated_with_a_card() -> None:
    world = World()
    event = verified()
    uow = world.uow(event)

    await on_participant_verified(uow, event, deps=world.deps)

    (activated,) = uow.emitted
    assert isinstance(activated, ParticipantActivated)
    payload = activated.payload
    assert payload.proposal_id == event.payload.proposal_id
    assert len(payload.no_kartu) == 13
    assert payload.no_kartu.isdigit()
    assert (payload.kd_provider, payload.nm_provider, payload.kelas) == (
        "15710101",
        "PUSKESMAS PUTRI AYU",
        "3",
    )
    assert activated.causation_id == event.event_id
    assert activated.correlation_id == event.correlation_id
    (tambah,) = world.bpjs.mutations("tambah")
    assert (tambah.nik, tambah.no_kk, tambah.sex, tambah.kd_pemda) == (
        NIK,
        "1571010101100001",
        "P",
        "1571",
    )


async def test_an_activated_participant_is_stored_as_active_with_its_card_and_clinic() -> None:
    world = World()
    activated = await activate(world)

    row = world.table.rows[pid()]
    assert row.status == "active"
    assert row.no_kartu == activated.payload.no_kartu
    assert (row.kd_provider, row.nm_provider) == ("15710101", "PUSKESMAS PUTRI AYU")
    assert row.tgl_tmt == activated.payload.effective_date
    assert row.effective_date == activated.payload.effective_date
    assert world.table.mutations[-1]["outcome"] == "accepted"


async def test_outside_a_uhc_priority_city_coverage_starts_on_the_first_of_next_month() -> None:
    world = World(datetime(2025, 3, 10, 3, 0, tzinfo=UTC))
    activated = await activate(world)
    assert activated.payload.effective_date == date(2025, 4, 1)
    assert world.bpjs.mutations("tambah")[0].tgl_berlaku == date(2025, 4, 1)


async def test_in_a_uhc_priority_city_named_by_the_event_coverage_starts_the_same_day() -> None:
    world = World(datetime(2025, 3, 10, 3, 0, tzinfo=UTC))
    event = verified(uhc_priority=True)
    uow = world.uow(event)
    await on_participant_verified(uow, event, deps=world.deps)
    assert uow.emitted[0].payload.effective_date == date(2025, 3, 10)


async def test_in_a_uhc_priority_city_by_setting_coverage_starts_the_same_day() -> None:
    world = World(datetime(2025, 3, 10, 3, 0, tzinfo=UTC), rules=EffectiveDateRules(True))
    activated = await activate(world)
    assert activated.payload.effective_date == date(2025, 3, 10)


async def test_the_filing_date_is_the_citys_calendar_day_not_utcs() -> None:
    # 31 March 18:00 UTC is 1 April 01:00 in Jambi (WIB, UTC+7).
    world = World(datetime(2025, 3, 31, 18, 0, tzinfo=UTC), rules=EffectiveDateRules(True))
    activated = await activate(world)
    assert activated.payload.effective_date == date(2025, 4, 1)


async def test_an_activation_is_confirmed_by_a_look_up_of_the_new_card() -> None:
    world = World()
    activated = await activate(world)
    assert ("peserta_by_card", (activated.payload.no_kartu, date(2025, 4, 1))) in world.bpjs.calls


async def test_a_confirmation_that_disagrees_is_logged_and_does_not_block_the_activation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = World()
    stale = world.bpjs.seed(OTHER_NIK, "13")
    world.bpjs.confirmation_override = stale.model_copy(
        update={"status_peserta": KodeKeterangan(kode="2", keterangan="Meninggal")}
    )
    with caplog.at_level(logging.WARNING):
        await activate(world)
    assert "disagrees" in caplog.text
    assert "statusPeserta 2" in caplog.text
    assert NIK not in caplog.text


async def test_a_confirmation_look_up_that_fails_does_not_block_the_activation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = World()
    world.bpjs.confirmation_error = BpjsUnavailable("BPJS answered HTTP 500")
    with caplog.at_level(logging.WARNING):
        await activate(world)
    assert "BpjsUnavailable" in caplog.text
    assert world.table.rows[pid()].status == "active"


async def test_a_verification_handled_twice_activates_once() -> None:
    world = World()
    event = verified()
    first, second = world.uow(event), world.uow(event)

    await on_participant_verified(first, event, deps=world.deps)
    await on_participant_verified(second, event, deps=world.deps)

    assert len(first.emitted) == 1
    assert second.emitted == []
    assert len(world.bpjs.mutations("tambah")) == 1


async def test_a_refused_tambah_is_stored_and_reported_without_quoting_the_nik() -> None:
    world = World()
    world.bpjs.seed(NIK, "13")  # active as a wage earner: BPJS refuses PBI APBD
    event = verified()
    uow = world.uow(event)

    await on_participant_verified(uow, event, deps=world.deps)

    (refused,) = uow.emitted
    assert isinstance(refused, RegistrationRefused)
    assert refused.payload.mutation == "tambah"
    assert refused.payload.bpjs_code == "201"
    assert refused.payload.proposal_id == event.payload.proposal_id
    assert "PEGAWAI SWASTA" in refused.payload.bpjs_message
    assert NIK not in refused.payload.bpjs_message
    assert NIK not in refused.model_dump_json()
    row = world.table.rows[pid()]
    assert (row.status, row.bpjs_code, row.no_kartu) == ("refused", "201", None)
    assert NIK not in (row.bpjs_message or "")


@pytest.mark.parametrize(
    "failure",
    [BpjsUnavailable("HTTP 500"), BpjsAuthError("HTTP 403"), BridgingDecryptError("empty")],
    ids=["unavailable", "auth", "undecryptable"],
)
async def test_a_tambah_bpjs_cannot_answer_now_is_retried_later_and_stores_nothing(
    failure: Exception,
) -> None:
    world = World()
    world.bpjs.fail_next.append(failure)
    event = verified()
    uow = world.uow(event)

    assert await on_participant_verified(uow, event, deps=world.deps) == ["retry"]

    assert uow.emitted == []
    assert world.table.rows == {}
    assert world.intents.of(pid()) == [("tambah", "pending")]


async def test_the_time_from_verification_to_activation_is_measured() -> None:
    def observed() -> tuple[float, float]:
        samples = {
            s.name: s.value
            for s in STAGE_SECONDS.collect()[0].samples
            if s.labels.get("stage") == "verified_to_activated"
        }
        return (
            samples.get("jkn_stage_seconds_count", 0.0),
            samples.get("jkn_stage_seconds_sum", 0.0),
        )

    world = World(datetime(2025, 3, 10, 3, 0, tzinfo=UTC))
    count, total = observed()
    event = verified(occurred_at=world.now - timedelta(seconds=2))
    await on_participant_verified(world.uow(event), event, deps=world.deps)
    after_count, after_total = observed()
    assert after_count == count + 1
    assert after_total - total == pytest.approx(2.0)


# --- SlotReleased -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed_at", "ends"),
    [
        (datetime(2025, 3, 20, 9, 0, tzinfo=UTC), date(2025, 4, 1)),  # on the cut-off day
        (datetime(2025, 3, 21, 9, 0, tzinfo=UTC), date(2025, 5, 1)),  # after it
        (datetime(2025, 12, 5, 9, 0, tzinfo=UTC), date(2026, 1, 1)),  # across the year
    ],
    ids=["day-20", "day-21", "december"],
)
async def test_a_released_slot_removes_the_card_from_the_date_the_cutoff_rule_gives(
    filed_at: datetime, ends: date
) -> None:
    world = World(datetime(2025, 3, 1, 3, 0, tzinfo=UTC))
    activated = await activate(world)
    world.now = filed_at
    event = slot_released(reason="meninggal")
    uow = world.uow(event)

    await on_slot_released(uow, event, deps=world.deps)

    (deactivated,) = uow.emitted
    assert isinstance(deactivated, ParticipantDeactivated)
    assert deactivated.payload.no_kartu == activated.payload.no_kartu
    assert deactivated.payload.reason == "meninggal"
    assert deactivated.payload.effective_date == ends
    assert deactivated.causation_id == event.event_id
    (kurang,) = world.bpjs.mutations("kurang")
    assert (kurang.no_kartu, kurang.tgl_berlaku, kurang.alasan) == (
        activated.payload.no_kartu,
        ends,
        "meninggal",
    )
    row = world.table.rows[pid()]
    assert (row.status, row.tgl_tat, row.effective_date) == ("deactivated", ends, ends)


async def test_the_deactivation_cutoff_day_is_configurable() -> None:
    world = World(datetime(2025, 3, 1, 3, 0, tzinfo=UTC), rules=EffectiveDateRules(False, 10))
    await activate(world)
    world.now = datetime(2025, 3, 15, 3, 0, tzinfo=UTC)
    event = slot_released()
    uow = world.uow(event)
    await on_slot_released(uow, event, deps=world.deps)
    assert uow.emitted[0].payload.effective_date == date(2025, 5, 1)


async def test_a_refused_kurang_is_reported_and_the_participant_stays_active() -> None:
    world = World()
    await activate(world)
    row = world.table.rows[pid()]
    world.table.rows[pid()] = dataclasses.replace(row, no_kartu="9999999999999")  # BPJS disagrees
    event = slot_released()
    uow = world.uow(event)

    await on_slot_released(uow, event, deps=world.deps)

    (refused,) = uow.emitted
    assert isinstance(refused, RegistrationRefused)
    assert (refused.payload.mutation, refused.payload.bpjs_code) == ("kurang", "201")
    assert refused.payload.proposal_id == row.proposal_id
    after = world.table.rows[pid()]
    assert (after.status, after.bpjs_code) == ("active", "201")


async def test_a_slot_released_twice_removes_the_card_once() -> None:
    world = World()
    await activate(world)
    event = slot_released()
    first, second = world.uow(event), world.uow(event)

    await on_slot_released(first, event, deps=world.deps)
    await on_slot_released(second, event, deps=world.deps)

    assert len(first.emitted) == 1
    assert second.emitted == []
    assert len(world.bpjs.mutations("kurang")) == 1


async def test_a_slot_released_for_a_participant_without_a_card_files_nothing() -> None:
    world = World()
    event = slot_released()
    uow = world.uow(event)
    await on_slot_released(uow, event, deps=world.deps)
    assert uow.emitted == []
    assert world.bpjs.mutations("kurang") == []


async def test_a_kurang_bpjs_cannot_answer_now_is_retried_later() -> None:
    world = World()
    await activate(world)
    world.bpjs.fail_next.append(BpjsUnavailable("HTTP 500"))
    event = slot_released()
    uow = world.uow(event)
    assert await on_slot_released(uow, event, deps=world.deps) == ["retry"]
    assert uow.emitted == []
    assert world.table.rows[pid()].status == "active"
    assert world.intents.of(pid())[-1] == ("kurang", "pending")


async def test_an_erased_resident_is_neither_looked_up_nor_filed_and_it_is_no_failure() -> None:
    world = World()
    request, event = coverage_request(OTHER_NIK), verified(OTHER_NIK)
    assert await KEYRING.destroy(None, event.participant_id)  # Dinas Sosial erased them
    looked_up, filed = world.uow(request), world.uow(event)

    await on_coverage_check_requested(looked_up, request, deps=world.deps)
    await on_participant_verified(filed, event, deps=world.deps)

    assert looked_up.emitted == []
    assert filed.emitted == []
    assert world.bpjs.calls == []


async def test_a_blob_moved_into_another_residents_event_is_refused() -> None:
    world = World()
    theirs, mine = verified(OTHER_NIK), verified()
    forged = mine.model_copy(
        update={"payload": mine.payload.model_copy(update={"personal": theirs.payload.personal})}
    )
    with pytest.raises(PersonalDataUnreadable):
        await on_participant_verified(world.uow(forged), forged, deps=world.deps)
    assert world.bpjs.calls == []
