"""The table of allowed combinations of a resident's state at Dinsos, Dinkes, the gateway
and BPJS (jkn_demo.invariants): what is a divergence once the events are consumed."""

from __future__ import annotations

from jkn_demo.invariants import (
    ResidentState,
    Stage,
    bpjs_stage,
    dinkes_stage,
    dinsos_stage,
    divergences,
    gateway_stage,
)

PID = "P-0123456789abcdef"


def _state(dinsos: str | None, dinkes: str | None, gateway: str | None, bpjs: str | None):  # type: ignore[no-untyped-def]
    return ResidentState(
        PID, dinsos_stage(dinsos), dinkes_stage(dinkes), gateway_stage(gateway), bpjs_stage(bpjs)
    )


def _rules(state: ResidentState) -> set[str]:
    return {d.rule for d in divergences([state])}


def test_each_settled_journey_is_one_state_everywhere() -> None:
    assert _rules(_state("activated", "active", "active", "0")) == set()
    assert _rules(_state("waitlisted", "waitlisted", None, None)) == set()
    assert _rules(_state("rejected", "rejected", None, None)) == set()
    assert _rules(_state("refused", "refused", "refused", None)) == set()
    assert _rules(_state("deactivated", "deactivated", "deactivated", "15")) == set()
    assert _rules(_state("rejected", None, None, None)) == set(), "closed by Dinsos at intake"


def test_rejects_a_resident_rejected_at_dinkes_but_active_at_bpjs() -> None:
    # the city pays for someone outside the quota, and no kurang is ever filed
    assert _rules(_state("rejected", "rejected", "active", "0")) == {"COVERED_NOT_ADMITTED"}


def test_rejects_a_resident_deactivated_at_dinsos_whose_card_is_still_active() -> None:
    found = _rules(_state("deactivated", "active", "active", "0"))
    assert found == {"DINSOS_DINKES_DIFFER", "DEACTIVATED_STILL_COVERED"}


def test_rejects_an_admitted_resident_without_a_card() -> None:
    assert _rules(_state("activated", "active", None, None)) == {"ADMITTED_NOT_COVERED"}
    assert "ADMITTED_NOT_COVERED" in _rules(_state("activated", "active", "active", "15"))


def test_rejects_a_gateway_record_that_bpjs_does_not_hold() -> None:
    found = _rules(_state("deactivated", "deactivated", "deactivated", "0"))
    assert "GATEWAY_BPJS_DIFFER" in found


def test_a_deactivation_asked_for_is_still_coverage_until_bpjs_ends_it() -> None:
    assert dinkes_stage("deactivation_requested") is Stage.ACTIVE
    assert _rules(_state("activated", "deactivation_requested", "active", "0")) == set()


def test_a_divergence_names_the_pseudonym_and_the_events_never_personal_data() -> None:
    (found,) = divergences([_state("rejected", "rejected", "active", "0")])
    lines = found.lines()
    assert lines[0].startswith(f"{PID} COVERED_NOT_ADMITTED: dinsos=rejected dinkes=rejected")


def test_a_withdrawal_waiting_for_bpjs_is_pending_and_may_not_stay_beside_an_active_card() -> None:
    # docs/domain.md#withdrawal-races: Dinkes holds the slot until BPJS answers the tambah
    assert dinkes_stage("withdrawing") is Stage.PENDING
    assert _rules(_state("verified", "withdrawing", None, None)) == set()
    assert _rules(_state("activated", "withdrawing", "active", "0")) >= {"COVERED_NOT_ADMITTED"}
    # carried out: released at Dinkes, the kurang filed, ended everywhere
    assert _rules(_state("deactivated", "deactivated", "deactivated", "15")) == set()
