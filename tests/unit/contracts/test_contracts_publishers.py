"""Who may write and read which topic is read from the contracts: one source for the ACLs."""

from __future__ import annotations

from jkn_contracts import CATALOGUE, CONSUMERS, Agency
from jkn_contracts.topics import (
    BUS_SERVICES,
    PUBLISHERS,
    events_of,
    publisher_of,
    topics_published_by,
)


def test_every_agency_has_exactly_one_publishing_service() -> None:
    assert set(PUBLISHERS) == set(Agency)
    assert len(set(PUBLISHERS.values())) == len(PUBLISHERS), "one service per agency"


def test_each_topic_is_written_by_its_owner_s_service_only() -> None:
    for spec in CATALOGUE:
        writers = [s for s in BUS_SERVICES if spec.name in topics_published_by(s)]
        assert writers == [publisher_of(spec.name)] == [PUBLISHERS[spec.owner]]


def test_every_service_on_the_bus_has_a_principal_and_the_audit_trail_writes_nothing() -> None:
    assert set(BUS_SERVICES) == set(CONSUMERS) | set(PUBLISHERS.values())
    assert set(BUS_SERVICES) == {
        "enrollment",
        "verification",
        "bpjs-gateway",
        "notifications",
        "audit",
    }
    assert topics_published_by("audit") == ()


def test_no_service_consumes_its_own_topic() -> None:
    for service, topics in CONSUMERS.items():
        assert not set(topics) & set(topics_published_by(service)), service


def test_events_of_a_topic_are_those_of_its_spec_and_of_its_owner() -> None:
    for spec in CATALOGUE:
        names = events_of(spec.name)
        assert names == {e.__name__ for e in spec.events}
        for event in spec.events:
            assert event.model_fields["producer"].default == spec.owner
    assert events_of("jkn.dlq.audit") == frozenset()
    assert "DeactivationRequested" not in events_of("jkn.bpjs.participants")
