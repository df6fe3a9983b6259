"""What the audit trail keeps of an event: who, what, when, why, evidence — no personal data.

An entry is the envelope (event id, type, producing agency, participant pseudonym — none
for an agency's act about no single resident —, correlation and causation ids, time, and
the actor who commanded it: pseudonymous id, agency, person or system), where it was read
(topic, partition, offset), the decision and reason codes the event states, the evidence
reference if any, and the payload with every personal field replaced by ``[redacted]`` (the
resident's NIK, KK, name, birth date, address, phone, e-mail). The card number (noKartu)
stays: it is what operators look up.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jkn_contracts import EventBase
from jkn_contracts.decisions import decision_of

from jkn_audit.domain.chains import chain_of

__all__ = [
    "ACTOR_FIELDS",
    "PERSONAL_FIELDS",
    "REDACTED",
    "AuditEntry",
    "describe",
    "redact",
    "utc_iso",
]

PERSONAL_FIELDS = frozenset(
    {"resident", "nik", "kk", "name", "nama", "birth_date", "address", "phone", "email"}
)
REDACTED = "[redacted]"
ACTOR_FIELDS = ("actor_id", "actor_agency", "actor_kind")


def redact(value: Any) -> Any:
    """``value`` (JSON-like) with the value of every personal field replaced, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if k in PERSONAL_FIELDS else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def utc_iso(moment: datetime) -> str:
    """The one text form of a time in the chain (UTC, microseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log; ``content()`` is exactly what the chain hashes."""

    seq: int
    event_id: str
    event_type: str
    schema_version: int
    producer: str
    participant_id: str | None
    correlation_id: str
    causation_id: str | None
    occurred_at: str
    recorded_at: str
    topic: str
    partition: int
    offset: int
    decision: str | None
    reasons: tuple[str, ...]
    evidence_ref: str | None
    payload: dict[str, Any]
    actor_id: str | None = None
    actor_agency: str | None = None
    actor_kind: str | None = None
    chain: int = 0

    def content(self) -> dict[str, Any]:
        """What the chain hashes. An actor field that is empty is left out, so an entry
        without an actor hashes exactly as every row appended before actors were recorded
        did: old rows keep verifying, and removing a recorded actor field (or adding one
        to any row) breaks that row's hash. ``chain`` is not hashed: the chain's own
        genesis, which every hash of it descends from, ties a row to its chain
        (``domain.chain.genesis``), and rows chained before there were chains hash as
        they did."""
        # The fields read one by one, not ``dataclasses.asdict``: that deep-copies the
        # payload for nothing (the dict is only serialised) and was ~7 % of audit's CPU.
        # Same keys, same values, so the same canonical JSON and hash.
        content = {name: getattr(self, name) for name in _FIELD_NAMES}
        content["reasons"] = list(self.reasons)
        for name in ACTOR_FIELDS:
            if content[name] is None:
                del content[name]
        return content


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(AuditEntry) if f.name != "chain")
_DUMPED: set[str] = {"event_type", "producer", "payload"}


def describe(
    event: EventBase, *, topic: str, partition: int, offset: int, recorded_at: datetime
) -> AuditEntry:
    """The entry of ``event`` read at ``topic``/``partition``/``offset``, in its
    participant's chain (``seq`` 0: the log assigns it when the entry joins the chain)."""
    decision, reasons, evidence_ref = decision_of(event)
    # only the three fields read from the JSON form: the others are taken as they are
    envelope = event.model_dump(mode="json", include=_DUMPED)
    return AuditEntry(
        seq=0,
        event_id=str(event.event_id),
        event_type=envelope["event_type"],
        schema_version=event.schema_version,
        producer=envelope["producer"],
        participant_id=event.participant_id,
        correlation_id=str(event.correlation_id),
        causation_id=str(event.causation_id) if event.causation_id else None,
        occurred_at=utc_iso(event.occurred_at),
        recorded_at=utc_iso(recorded_at),
        topic=topic,
        partition=partition,
        offset=offset,
        decision=decision,
        reasons=reasons,
        evidence_ref=evidence_ref,
        payload=redact(envelope["payload"]),
        actor_id=event.actor.id if event.actor else None,
        actor_agency=event.actor.agency if event.actor else None,
        actor_kind=event.actor.kind if event.actor else None,
        chain=chain_of(event.participant_id),
    )
