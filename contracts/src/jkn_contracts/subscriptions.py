"""What each consuming service acts on: the one list its subscriptions are read from.

A service consumes a topic because it acts on some of the events that topic carries, so the
catalogue states the events and derives the topics: ``jkn_contracts.topics.CONSUMERS`` is
built from ``ACTS_ON`` (the topics carrying these events, in catalogue order, and the
inbound topics whose submissions the service answers), and the broker's ACLs are built from
``CONSUMERS``. Every other event of those topics the service skips on purpose
(``jkn_contracts.topics.ignored_by``): a new event on a topic changes nothing for a service
that does not list it here. The audit trail is not listed: it keeps every fact of every
agency (``jkn_contracts.topics.handled_by("audit")``).

Each service's bootstrap subscribes to ``CONSUMERS[service]`` and hands its runtime a
handler table keyed by event class (``jkn_bus.HandlerTable``); a unit test
(``tests/unit/subscriptions``) fails when a table and this list disagree, either way.
"""

from __future__ import annotations

from jkn_contracts.events import (
    CoverageCheckRequested,
    CoverageReported,
    DeactivationRequested,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
    ParticipantWaitlisted,
    PesertaStatusChanged,
    RegistrationRefused,
    ResidentDataErased,
    SlotReleased,
    VerificationRejected,
)
from jkn_contracts.submissions import FindingSubmitted, ProposalSubmitted

__all__ = ["ACTS_ON"]

# consuming service -> the event classes it handles (the audit trail: every fact, elsewhere)
ACTS_ON: dict[str, tuple[type, ...]] = {
    # Dinas Sosial follows its proposals through Dinkes's and BPJS's answers, frees or
    # refills slots in reconciliation, and answers its agency systems' submissions.
    "enrollment": (
        CoverageCheckRequested,
        ParticipantVerified,
        VerificationRejected,
        ParticipantWaitlisted,
        SlotReleased,
        ParticipantActivated,
        RegistrationRefused,
        ParticipantDeactivated,
        PesertaStatusChanged,
        ProposalSubmitted,
        FindingSubmitted,
    ),
    # Dinas Kesehatan verifies proposals, withdraws or releases on deactivation, reads
    # BPJS's coverage answers and activations, and forgets an erased resident.
    "verification": (
        ParticipantRegistered,
        DeactivationRequested,
        ResidentDataErased,
        CoverageReported,
        ParticipantActivated,
        RegistrationRefused,
        ParticipantDeactivated,
    ),
    # The gateway carries Dinkes's decisions to BPJS; from Dinas Sosial's topic it needs
    # only the erasure (to blank its clear copy of the NIK).
    "bpjs-gateway": (
        ResidentDataErased,
        CoverageCheckRequested,
        ParticipantVerified,
        SlotReleased,
    ),
    # Residents (and kelurahan officers) are told of each step; an erasure forgets them.
    "notifications": (
        ParticipantRegistered,
        DeactivationRequested,
        ResidentDataErased,
        ParticipantVerified,
        VerificationRejected,
        ParticipantWaitlisted,
        ParticipantActivated,
        RegistrationRefused,
        ParticipantDeactivated,
    ),
}
