"""Inbound topics: where agencies' own systems submit, and where they are answered.

Agencies' own systems (Dinsos's SIKS-NG, a kelurahan's system) do not state facts: they
submit (``jkn_contracts.submissions``). ``INBOUND`` lists their topics, each with the ONE
system principal that may write it (``writer``), the service that reads it and answers
(``owner``), and the reply topic only that system may read. An inbound topic is distinct from
a fact topic (``InboundSpec``, not ``TopicSpec``): the audit trail does not read it (the
facts an accepted submission leads to are the owner's, on its agency's topic). Because a
Kafka record does not say who wrote it, the topic is what tells the owner who submitted:
one topic per writing system, so a kelurahan's system has a topic of its own, and the
``kelurahan`` it may report on is kept here (the consumer enforces it: ACLs cannot look
inside records).
"""

from __future__ import annotations

from dataclasses import dataclass

from jkn_contracts.envelope import Agency
from jkn_contracts.submissions import (
    FindingSubmitted,
    ProposalSubmitted,
    SubmissionAccepted,
    SubmissionRefused,
)

__all__ = ["AGENCY_SYSTEMS", "INBOUND", "REPLY_EVENTS", "InboundSpec", "inbound_spec"]

# The answers an owner gives on a reply topic (keyed by the sender's submission_id).
REPLY_EVENTS: tuple[type, ...] = (SubmissionAccepted, SubmissionRefused)


@dataclass(frozen=True)
class InboundSpec:
    """An agency system's inbound topic: what it may submit, and where it is answered.

    ``writer`` is the system's Kafka principal (SCRAM user; WRITE here, READ on
    ``reply_topic`` and on its own consumer group of the same name), ``agency`` the agency
    it acts for (its actor's agency on the facts it causes), ``owner`` the one service that
    reads the topic and writes the reply topic. ``kelurahan``: the one kelurahan whose
    findings the writer may submit (None: any).
    """

    name: str
    writer: str
    agency: str
    owner: str
    events: tuple[type, ...]
    reply_topic: str
    kelurahan: str | None = None
    partitions: int = 3
    description: str = ""


INBOUND: tuple[InboundSpec, ...] = (
    InboundSpec(
        "jkn.dinsos.submissions",
        writer="dinsos-siks",
        agency=Agency.DINSOS.value,
        owner="enrollment",
        events=(ProposalSubmitted,),
        reply_topic="jkn.dinsos.submission-replies",
        description="Proposals submitted by Dinas Sosial's welfare-data system (SIKS-NG).",
    ),
    InboundSpec(
        "jkn.kelurahan.1571011001.submissions",
        writer="kelurahan-1571011001",
        agency="kelurahan",
        owner="enrollment",
        events=(FindingSubmitted,),
        reply_topic="jkn.kelurahan.1571011001.submission-replies",
        kelurahan="1571011001",
        description="Findings submitted by Kelurahan Telanaipura's system (its own only).",
    ),
)

# the agency systems' principals (each writes its inbound topic and reads its replies)
AGENCY_SYSTEMS: tuple[str, ...] = tuple(dict.fromkeys(spec.writer for spec in INBOUND))

_INBOUND = {spec.name: spec for spec in INBOUND}


def inbound_spec(topic: str) -> InboundSpec | None:
    """The inbound topic's spec (unprefixed name): who alone writes it; None for others."""
    return _INBOUND.get(topic)
