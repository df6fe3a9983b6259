"""The verification use cases on in-memory fakes: the flow of the rules without I/O
(docs/domain.md#verification-rules)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, cast

import pytest
from jkn_contracts import (
    Actor,
    CoverageReported,
    DeactivationReason,
    DeactivationRequested,
    EventBase,
    Membership,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
    QuotaChanged,
    RegistrationRefused,
    Resident,
    participant_id_for,
)
from jkn_contracts.events import (
    ActivatedPayload,
    CoverageReportedPayload,
    DeactivatedPayload,
    DeactivationRequestedPayload,
    RefusedPayload,
)
from support.sealed import KEYRING, SEALER, sealed_event
from unit.verification_app.fakes import FakeQuotaCuts, FakeUnitOfWork, World
from verification.app import handlers
from verification.app.model import Status
from verification.app.quota_cuts import Applied, change_quota
from verification.app.slots import QuotaBelowUsed
from verification.domain import CivilRecord

IN_JAMBI = CivilRecord(alive=True, domicile_city_code="1571", kelurahan="1571011001")


def nik(n: int) -> str:
    return f"157101450190{n:04d}"  # a woman born 5 January 1990, serial n


def resident(n: int) -> Resident:
    return Resident(
        nik=nik(n),
        kk="1571010101200001",
        name=f"Warga {n}",
        sex="P",
        birth_date=date(1990, 1, 5),
        kelurahan="1571011001",
    )


def pid(n: int) -> str:
    return participant_id_for(nik(n), "test-key")


def registered(n: int) -> ParticipantRegistered:
    return sealed_event(
        ParticipantRegistered,
        participant_id=pid(n),
        correlation_id=uuid.uuid4(),
        personal=resident(n).model_dump(),
        payload={"proposal_id": uuid.uuid4(), "source": "dtks", "proposed_by": "test"},
    )


async def opened(event: EventBase) -> Any:
    """The personal fields an event Dinkes stated seals (as its readers open them)."""
    return await SEALER.open(cast(Any, None), event)


def answer(request: EventBase, membership: Membership | None = None) -> CoverageReported:
    return CoverageReported(
        participant_id=request.participant_id,
        correlation_id=request.correlation_id,
        causation_id=request.event_id,
        payload=CoverageReportedPayload(check_date=date(2026, 5, 1), membership=membership),
    )


async def handle(world: World, name: str, event: Any) -> list[EventBase]:
    uow = FakeUnitOfWork(cause=event)
    await getattr(handlers, name)(uow, event, deps=world.deps)
    return uow.emitted


def known(world: World, n: int, decile: int = 2) -> None:
    world.civil.records[nik(n)] = IN_JAMBI
    world.welfare.deciles[nik(n)] = decile


async def through_local_checks(world: World, n: int, decile: int = 2) -> EventBase:
    known(world, n, decile)
    [request] = await handle(world, "on_participant_registered", registered(n))
    return request


async def decided(world: World, n: int, decile: int = 2) -> EventBase:
    request = await through_local_checks(world, n, decile)
    world.clock.tick()
    [decision] = await handle(world, "on_coverage_reported", answer(request))
    return decision


def types(events: list[EventBase]) -> list[str]:
    return [e.event_type for e in events]  # type: ignore[attr-defined]


async def test_a_resident_passing_local_checks_is_checked_at_bpjs_with_the_nik_and_today() -> None:
    world = World()
    event = registered(1)
    known(world, 1)
    [request] = await handle(world, "on_participant_registered", event)
    assert request.event_type == "CoverageCheckRequested"  # type: ignore[attr-defined]
    assert (await opened(request)).nik == nik(1)
    assert nik(1) not in request.model_dump_json()
    assert request.payload.check_date == date(2026, 5, 1)  # type: ignore[attr-defined]
    assert request.causation_id == event.event_id
    proposal = await world.repo.open_proposal(pid(1))
    assert proposal is not None
    assert proposal.status is Status.CHECKING_COVERAGE
    assert proposal.coverage_request_id == request.event_id


async def test_a_rejection_names_every_failing_rule() -> None:
    world = World()
    world.civil.records[nik(1)] = CivilRecord(
        alive=False, domicile_city_code="1371", kelurahan="1371011001", death_date=date(2025, 1, 1)
    )
    [rejection] = await handle(world, "on_participant_registered", registered(1))
    codes = [r.code for r in rejection.payload.reasons]  # type: ignore[attr-defined]
    assert codes == ["DECEASED", "NOT_CITY_RESIDENT", "NOT_IN_DTKS"]
    assert all(r.message for r in rejection.payload.reasons)  # type: ignore[attr-defined]
    [proposal] = await world.repo.proposals_of(pid(1))
    assert proposal.status is Status.REJECTED
    assert proposal.decided_at is not None


async def test_a_resident_rejected_before_is_checked_afresh_when_proposed_again() -> None:
    """Rule 6 (docs/domain.md#rule-6) names pending or active enrollments only: a closed
    proposal is no duplicate."""
    world = World()
    world.civil.records[nik(30)] = IN_JAMBI  # not in DTKS yet
    [rejection] = await handle(world, "on_participant_registered", registered(30))
    assert [r.code for r in rejection.payload.reasons] == ["NOT_IN_DTKS"]  # type: ignore[attr-defined]

    world.welfare.deciles[nik(30)] = 2  # next quarter the registry lists them
    [request] = await handle(world, "on_participant_registered", registered(30))
    world.clock.tick()
    [decision] = await handle(world, "on_coverage_reported", answer(request))

    assert request.event_type == "CoverageCheckRequested"  # type: ignore[attr-defined]
    assert decision.event_type == "ParticipantVerified"  # type: ignore[attr-defined]
    statuses = [p.status for p in await world.repo.proposals_of(pid(30))]
    assert sorted(statuses) == sorted([Status.REJECTED, Status.VERIFIED])


async def test_a_coverage_report_answering_another_request_is_ignored() -> None:
    world = World()
    request = await through_local_checks(world, 1)
    stale = answer(request).model_copy(update={"causation_id": uuid.uuid4()})
    assert await handle(world, "on_coverage_reported", stale) == []
    proposal = await world.repo.open_proposal(pid(1))
    assert proposal is not None
    assert proposal.status is Status.CHECKING_COVERAGE


async def test_an_active_ppu_member_is_rejected_for_double_payment() -> None:
    world = World()
    request = await through_local_checks(world, 1)
    ppu = Membership(
        no_kartu="0001234567890",
        jenis_peserta_kode="13",
        jenis_peserta="PEGAWAI SWASTA",
        status_kode="0",
        status="AKTIF",
    )
    [rejection] = await handle(world, "on_coverage_reported", answer(request, ppu))
    assert [r.code for r in rejection.payload.reasons] == ["ALREADY_COVERED_OTHER_SEGMENT"]  # type: ignore[attr-defined]
    assert world.repo.quotas == {}  # the quota was never touched


async def test_a_verified_resident_takes_a_slot_and_carries_the_uhc_setting() -> None:
    world = World(quota_total=3, uhc_priority=True)
    decision = await decided(world, 1)
    assert decision.event_type == "ParticipantVerified"  # type: ignore[attr-defined]
    assert decision.payload.uhc_priority is True  # type: ignore[attr-defined]
    assert decision.payload.budget_year == 2026  # type: ignore[attr-defined]
    sealed = (await opened(decision)).model_dump()
    assert sealed == resident(1).model_dump(exclude={"address", "kelurahan"})
    assert resident(1).name not in decision.model_dump_json()
    assert world.repo.quotas[2026].used == 1
    assert pid(1) in world.repo.slots


async def test_a_full_quota_puts_valid_proposals_on_the_waiting_list_in_priority_order() -> None:
    world = World(quota_total=1)
    await decided(world, 1)
    later_richer = await decided(world, 2, decile=4)
    poorer = await decided(world, 3, decile=1)
    assert types([later_richer, poorer]) == ["ParticipantWaitlisted", "ParticipantWaitlisted"]
    assert later_richer.payload.position == 1  # type: ignore[attr-defined]
    assert poorer.payload.position == 1  # type: ignore[attr-defined]
    assert [e.participant_id for e in await world.repo.waiting_list()] == [pid(3), pid(2)]


async def test_a_deactivation_releases_the_slot_and_admits_the_poorest_waiting() -> None:
    world = World(quota_total=1)
    verified = await decided(world, 1)
    await handle(world, "on_participant_activated", activation(verified))
    await decided(world, 2, decile=4)
    await decided(world, 3, decile=1)
    request = DeactivationRequested(
        participant_id=pid(1),
        correlation_id=uuid.uuid4(),
        payload=DeactivationRequestedPayload(
            reason=DeactivationReason.PINDAH, evidence_ref="surat-pindah", reported_by="kelurahan"
        ),
    )
    released, admitted = await handle(world, "on_deactivation_requested", request)
    assert released.event_type == "SlotReleased"  # type: ignore[attr-defined]
    assert (released.payload.quota_used, released.payload.quota_total) == (0, 1)  # type: ignore[attr-defined]
    assert admitted.participant_id == pid(3)
    assert admitted.payload.admitted_from_waitlist is True  # type: ignore[attr-defined]
    assert admitted.causation_id == request.event_id
    assert world.repo.quotas[2026].used == 1
    assert set(world.repo.slots) == {pid(3)}
    [left] = await world.repo.proposals_of(pid(1))
    assert left.status is Status.DEACTIVATION_REQUESTED

    confirmed = ParticipantDeactivated(
        participant_id=pid(1),
        correlation_id=request.correlation_id,
        payload=DeactivatedPayload(
            no_kartu="0001234567890",
            reason=DeactivationReason.PINDAH,
            effective_date=date(2026, 6, 1),
        ),
    )
    assert await handle(world, "on_participant_deactivated", confirmed) == []
    [left] = await world.repo.proposals_of(pid(1))
    assert left.status is Status.DEACTIVATED


def _deactivation(n: int, reason: DeactivationReason) -> DeactivationRequested:
    return DeactivationRequested(
        participant_id=pid(n),
        correlation_id=uuid.uuid4(),
        payload=DeactivationRequestedPayload(
            reason=reason, evidence_ref="BA-KELURAHAN/2026/0001", reported_by="kelurahan"
        ),
    )


async def test_a_waiting_resident_reported_by_the_kelurahan_is_withdrawn_and_leaves_the_line() -> (
    None
):
    world = World(quota_total=1)
    await decided(world, 1)
    await decided(world, 2)  # waits
    request = _deactivation(2, DeactivationReason.MENINGGAL)

    [withdrawn] = await handle(world, "on_deactivation_requested", request)

    assert withdrawn.event_type == "VerificationRejected"  # type: ignore[attr-defined]
    [why] = withdrawn.payload.reasons  # type: ignore[attr-defined]
    assert why.code == "WITHDRAWN_MENINGGAL"
    assert "meninggal" in why.message
    assert withdrawn.causation_id == request.event_id
    assert await world.repo.waiting_count() == 0
    [proposal] = await world.repo.proposals_of(pid(2))
    assert proposal.status is Status.REJECTED  # over: the resident may be proposed again
    assert set(world.repo.slots) == {pid(1)}, "a withdrawal frees no slot"


async def test_a_resident_withdrawn_while_bpjs_is_asked_ignores_bpjs_s_late_answer() -> None:
    world = World()
    request = await through_local_checks(world, 3)
    [withdrawn] = await handle(
        world, "on_deactivation_requested", _deactivation(3, DeactivationReason.PINDAH)
    )
    late = await handle(world, "on_coverage_reported", answer(request))

    assert [r.code for r in withdrawn.payload.reasons] == ["WITHDRAWN_PINDAH"]  # type: ignore[attr-defined]
    assert late == []
    assert world.repo.slots == {}


async def test_a_refused_registration_gives_the_slot_to_the_next_in_line() -> None:
    world = World(quota_total=1)
    await decided(world, 1)
    await decided(world, 2)
    refused = RegistrationRefused(
        participant_id=pid(1),
        correlation_id=uuid.uuid4(),
        payload=RefusedPayload(mutation="tambah", bpjs_code="201", bpjs_message="NIK tidak valid"),
    )
    [admitted] = await handle(world, "on_registration_refused", refused)
    assert admitted.participant_id == pid(2)
    [gone] = await world.repo.proposals_of(pid(1))
    assert gone.status is Status.REFUSED
    assert [r.code for r in gone.reasons] == ["BPJS_REGISTRATION_REFUSED"]


def activation(verified: EventBase) -> ParticipantActivated:
    """The gateway's report that BPJS activated a resident Dinkes verified."""
    return ParticipantActivated(
        participant_id=verified.participant_id,
        correlation_id=verified.correlation_id,
        payload=ActivatedPayload(
            proposal_id=verified.payload.proposal_id,  # type: ignore[attr-defined]
            no_kartu="0001234567890",
            kd_provider="0301U001",
            nm_provider="PUSKESMAS",
            effective_date=date(2026, 6, 1),
        ),
    )


async def test_an_activated_participant_keeps_its_slot() -> None:
    world = World()
    verified = await decided(world, 1)
    await handle(world, "on_participant_activated", activation(verified))
    proposal = await world.repo.open_proposal(pid(1))
    assert proposal is not None
    assert proposal.status is Status.ACTIVE
    assert pid(1) in world.repo.slots


VERIFIER = Actor(id="act_" + "d1" * 12, agency="dinkes", kind="person")


async def test_raising_the_quota_admits_waiting_proposals_and_lowering_below_used_is_refused() -> (
    None
):
    world = World(quota_total=1)
    for n in (1, 2, 3, 4):
        await decided(world, n, decile=n)
    refused = FakeUnitOfWork(actor=VERIFIER)
    with pytest.raises(QuotaBelowUsed, match="1 slots are in use"):
        await change_quota(refused, world.deps, FakeQuotaCuts(), 2026, 0)
    assert refused.emitted == []
    assert world.repo.quota_changes == []
    uow = FakeUnitOfWork(actor=VERIFIER)
    applied = await change_quota(uow, world.deps, FakeQuotaCuts(), 2026, 3)
    assert isinstance(applied, Applied)  # a raise: at once
    quota, admitted = applied.quota, applied.admitted
    assert (quota.used, quota.total, admitted) == (3, 3, 2)
    verified = [e for e in uow.emitted if isinstance(e, ParticipantVerified)]
    assert [e.participant_id for e in verified] == [pid(2), pid(3)]
    assert [e.participant_id for e in await world.repo.waiting_list()] == [pid(4)]


async def test_a_quota_change_is_an_act_of_the_verifier_who_made_it() -> None:
    world = World(quota_total=1)
    for n in (1, 2, 3):
        await decided(world, n, decile=n)  # one funded, two waiting
    uow = FakeUnitOfWork(actor=VERIFIER)

    await change_quota(uow, world.deps, FakeQuotaCuts(), 2026, 5)

    (changed,) = [e for e in uow.emitted if isinstance(e, QuotaChanged)]
    assert changed.actor == VERIFIER
    assert changed.participant_id is None
    assert changed.record_key() == "quota:2026"
    assert changed.payload.model_dump() == {
        "budget_year": 2026,
        "previous_total": 1,
        "total": 5,
        "used": 1,
        "admitted_from_waitlist": 2,
    }
    # the residents it admitted: caused by the change, and by the verifier's act
    admitted = [e for e in uow.emitted if isinstance(e, ParticipantVerified)]
    assert [(e.causation_id, e.actor) for e in admitted] == [(changed.event_id, VERIFIER)] * 2
    # and the service keeps who changed what with the change itself
    (kept,) = world.repo.quota_changes
    assert (kept.budget_year, kept.previous_total, kept.total, kept.admitted) == (2026, 1, 5, 2)
    assert (kept.actor, kept.event_id) == (VERIFIER, changed.event_id)


async def test_a_quota_is_set_by_someone_never_anonymously() -> None:
    world = World(quota_total=1)
    with pytest.raises(ValueError, match="authenticated actor"):
        await change_quota(FakeUnitOfWork(), world.deps, FakeQuotaCuts(), 2026, 3)
    assert world.repo.quota_changes == []


async def test_a_resident_erased_before_dinkes_read_the_proposal_is_skipped_not_failed() -> None:
    world = World()
    known(world, 7)
    event = registered(7)
    assert await KEYRING.destroy(None, event.participant_id)
    assert await handle(world, "on_participant_registered", event) == []
    assert await world.repo.open_proposal(event.participant_id) is None
