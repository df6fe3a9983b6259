"""The agencies agree: each resident's state at Dinsos, Dinkes, the gateway and BPJS, in one
vocabulary, and the combinations that may not hold once the events are consumed.

Each owner keeps its own status (enrollment's and verification's proposals, the gateway's
participants, BPJS's peserta register); none of them is the truth alone. A resident
rejected at Dinkes but active at BPJS is covered outside the quota, the city paying,
and nobody files the kurang: that is what this check finds. Only status columns and
pseudonyms are read (``jkn_demo.invariant_reads``): never a NIK or a name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "BPJS_ACTIVE",
    "RULES",
    "Divergence",
    "ResidentState",
    "Stage",
    "bpjs_stage",
    "dinkes_stage",
    "dinsos_stage",
    "divergences",
    "gateway_stage",
]


class Stage(StrEnum):
    """Where a resident is, in words every owner's status maps to."""

    ABSENT = "absent"  # this owner holds nothing of them
    PENDING = "pending"  # a decision is still being made
    REJECTED = "rejected"  # not admitted (rejected, refused at BPJS, withdrawn)
    WAITLISTED = "waitlisted"  # eligible, waiting for a slot
    ACTIVE = "active"  # covered
    DEACTIVATED = "deactivated"  # coverage ended


# enrollment.domain.status.ProposalStatus
_DINSOS = {
    "registered": Stage.PENDING,
    "checking": Stage.PENDING,
    "verified": Stage.PENDING,
    "waitlisted": Stage.WAITLISTED,
    "rejected": Stage.REJECTED,
    "refused": Stage.REJECTED,
    "activated": Stage.ACTIVE,
    "deactivated": Stage.DEACTIVATED,
}
# verification's proposals.status CHECK (migration 0001); a deactivation asked for is
# still coverage until BPJS ends it
_DINKES = {
    "checking_coverage": Stage.PENDING,
    "verified": Stage.PENDING,
    "waitlisted": Stage.WAITLISTED,
    "rejected": Stage.REJECTED,
    "refused": Stage.REJECTED,
    "active": Stage.ACTIVE,
    # a deactivation waiting for BPJS's answer to the tambah (docs/domain.md#withdrawal-races)
    "withdrawing": Stage.PENDING,
    "deactivation_requested": Stage.ACTIVE,
    "deactivated": Stage.DEACTIVATED,
}
# the gateway's participants.status CHECK (migration 0001)
_GATEWAY = {"active": Stage.ACTIVE, "refused": Stage.REJECTED, "deactivated": Stage.DEACTIVATED}
BPJS_ACTIVE = "0"  # statusPeserta AKTIF (bpjs_sim.catalogue.ACTIVE); any other code ended it


def _mapped(table: dict[str, Stage], status: str | None) -> Stage:
    if status is None:
        return Stage.ABSENT
    return table.get(status, Stage.PENDING)  # an unknown status is not a settled one


def dinsos_stage(status: str | None) -> Stage:
    return _mapped(_DINSOS, status)


def dinkes_stage(status: str | None) -> Stage:
    return _mapped(_DINKES, status)


def gateway_stage(status: str | None) -> Stage:
    return _mapped(_GATEWAY, status)


def bpjs_stage(status_peserta: str | None) -> Stage:
    """BPJS's card of the resident (the one the gateway holds the number of)."""
    if status_peserta is None:
        return Stage.ABSENT
    return Stage.ACTIVE if status_peserta == BPJS_ACTIVE else Stage.DEACTIVATED


@dataclass(frozen=True)
class ResidentState:
    """One resident at the four owners; ``participant_id`` is the pseudonym."""

    participant_id: str
    dinsos: Stage
    dinkes: Stage
    gateway: Stage
    bpjs: Stage

    @property
    def covered(self) -> bool:
        """Covered through the city: at BPJS, or as far as the gateway knows."""
        return Stage.ACTIVE in (self.gateway, self.bpjs)


_NOT_COVERED = (Stage.PENDING, Stage.WAITLISTED, Stage.REJECTED, Stage.DEACTIVATED)

# (code, what must hold, the breach): the table of allowed combinations, each row a breach
RULES: tuple[tuple[str, str, Callable[[ResidentState], bool]], ...] = (
    (
        "DINSOS_DINKES_DIFFER",
        "Dinas Sosial's proposal mirrors Dinas Kesehatan's decision",
        # a proposal Dinsos itself closed at intake never reached Dinkes
        lambda s: s.dinsos != s.dinkes and (s.dinsos, s.dinkes) != (Stage.REJECTED, Stage.ABSENT),
    ),
    (
        "COVERED_NOT_ADMITTED",
        "Dinkes not active (rejected, waiting, deactivated) => neither gateway nor BPJS active",
        lambda s: s.dinkes in _NOT_COVERED and s.covered,
    ),
    (
        "ADMITTED_NOT_COVERED",
        "Dinkes active => gateway active and BPJS active with a card",
        lambda s: (
            s.dinkes is Stage.ACTIVE and not (s.gateway is Stage.ACTIVE and s.bpjs is Stage.ACTIVE)
        ),
    ),
    (
        "GATEWAY_BPJS_DIFFER",
        "the gateway's record of a card agrees with BPJS",
        lambda s: (
            s.gateway is not Stage.ABSENT
            and (s.gateway is Stage.ACTIVE) != (s.bpjs is Stage.ACTIVE)
        ),
    ),
    (
        "DEACTIVATED_STILL_COVERED",
        "Dinsos deactivated => BPJS not active",
        lambda s: s.dinsos is Stage.DEACTIVATED and s.bpjs is Stage.ACTIVE,
    ),
)


@dataclass(frozen=True)
class Divergence:
    """A breached rule for one resident, with their events from the audit trail."""

    rule: str
    expected: str
    state: ResidentState
    events: tuple[tuple[str, str, str], ...] = ()  # (occurred_at, event_type, event_id)

    def lines(self) -> list[str]:
        """The operator's report: pseudonym, rule, each owner's stage, the events."""
        s = self.state
        head = (
            f"{s.participant_id} {self.rule}: dinsos={s.dinsos} dinkes={s.dinkes}"
            f" gateway={s.gateway} bpjs={s.bpjs} (expected: {self.expected})"
        )
        return [head, *(f"    {at} {kind} {event_id}" for at, kind, event_id in self.events)]


def divergences(states: list[ResidentState]) -> list[Divergence]:
    """Every breached rule of every resident (events filled in by the reader)."""
    return [
        Divergence(code, expected, state)
        for state in states
        for code, expected, breached in RULES
        if breached(state)
    ]
