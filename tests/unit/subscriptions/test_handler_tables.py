"""Each service reads the topics and handles the events the catalogue says it does.

The catalogue (``jkn_contracts.subscriptions`` → ``topics.CONSUMERS`` / ``handled_by``) is
what the broker's ACLs, the AsyncAPI document and the audit of who reads what are made
from; a service's bootstrap is what actually runs. These tests build every consuming
service's runtime as its bootstrap does (no I/O) and hold the two together, both ways: a
handler for an event the catalogue does not give the service, and an event the catalogue
gives it that it has no handler for, each fail; every other event reaching it on its
topics is one it ignores on purpose (``ignored_by``).
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable
from typing import Any

import pytest
from bpjs_gateway.bootstrap import build_runtime as gateway_runtime
from enrollment.bootstrap import build_runtime as enrollment_runtime
from jkn_audit.bootstrap import build_runtime as audit_runtime
from jkn_bus import BusSettings, ServiceRuntime
from jkn_contracts import (
    CATALOGUE,
    CONSUMERS,
    EVENT_TYPES,
    DeactivationRequested,
    ParticipantRegistered,
    ResidentDataErased,
)
from jkn_contracts.topics import HANDLED, events_of, handled_by, ignored_by
from notifications.app.handlers import Routing
from notifications.bootstrap import build_runtime as notifications_runtime
from unit.gateway_app.fakes import FakeBpjs
from verification.bootstrap import build_runtime as verification_runtime

RUNTIMES: dict[str, Callable[[], ServiceRuntime]] = {
    "enrollment": enrollment_runtime,
    "verification": verification_runtime,
    "bpjs-gateway": lambda: gateway_runtime(bpjs=FakeBpjs()),
    "notifications": lambda: notifications_runtime(route=Routing("dev_sink")),
    "audit": audit_runtime,
}


def arriving(topics: tuple[str, ...]) -> frozenset[str]:
    """Every event type that may reach a consumer of ``topics``."""
    return frozenset().union(*(events_of(topic) for topic in topics))


def disagreements(service: str, runtime: ServiceRuntime) -> list[str]:
    """How ``runtime`` differs from what the catalogue says ``service`` reads and handles."""
    found = []
    if runtime.consumes != CONSUMERS[service]:
        found.append(f"reads {runtime.consumes}, the catalogue says {CONSUMERS[service]}")
    found += [
        f"handles {name}, which the catalogue does not list for it"
        for name in sorted(runtime.handled_event_types - handled_by(service))
    ]
    found += [
        f"has no handler for {name}, which the catalogue lists for it"
        for name in sorted(handled_by(service) - runtime.handled_event_types)
    ]
    found += [
        f"handles {name}, which never reaches it on its topics"
        for name in sorted(runtime.handled_event_types - arriving(runtime.consumes))
    ]
    return found


def test_every_consuming_service_of_the_catalogue_is_checked_here() -> None:
    assert set(RUNTIMES) == set(CONSUMERS)


@pytest.mark.parametrize("service", sorted(RUNTIMES))
def test_a_service_reads_and_handles_exactly_what_the_catalogue_says(service: str) -> None:
    assert disagreements(service, RUNTIMES[service]()) == []


@pytest.mark.parametrize("service", sorted(RUNTIMES))
def test_every_event_reaching_a_service_is_handled_or_ignored_on_purpose(service: str) -> None:
    reaching = arriving(CONSUMERS[service])

    assert handled_by(service) | ignored_by(service) == reaching
    assert not handled_by(service) & ignored_by(service)


def test_the_gateway_reads_dinas_sosials_topic_for_the_erasure_alone() -> None:
    runtime = RUNTIMES["bpjs-gateway"]()

    assert "jkn.dinsos.participants" in runtime.consumes
    from_dinsos = runtime.handled_event_types & events_of("jkn.dinsos.participants")
    assert from_dinsos == {"ResidentDataErased"}
    assert {"ParticipantRegistered", "DeactivationRequested"} <= ignored_by("bpjs-gateway")


def test_the_audit_trail_keeps_every_event_of_the_contracts() -> None:
    assert handled_by("audit") == set(EVENT_TYPES)
    assert CONSUMERS["audit"] == tuple(spec.name for spec in CATALOGUE)


def accepted_classes(handler: Callable[..., Any]) -> tuple[type, ...] | None:
    """The event classes ``handler``'s event parameter is annotated with (None: ``Any``)."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    event_parameter = list(inspect.signature(handler).parameters)[1]
    hint = typing.get_type_hints(handler)[event_parameter]
    if hint is Any:
        return None
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return typing.get_args(hint)
    return (hint,)


@pytest.mark.parametrize("service", sorted(RUNTIMES))
def test_each_handler_takes_the_event_class_it_is_keyed_by(service: str) -> None:
    mismatched = []
    for event_class, handler in RUNTIMES[service]()._handlers.items():
        accepted = accepted_classes(handler)
        if accepted is not None and not issubclass(event_class, accepted):
            mismatched.append(f"{event_class.__name__} -> {accepted}")
    assert mismatched == []


def _runtime(consumes: tuple[str, ...], handled: tuple[type, ...]) -> ServiceRuntime:
    async def handle(_uow: object, _event: object) -> None:
        return None

    return ServiceRuntime(
        BusSettings(service="notifications"),
        consumes=consumes,
        handlers=dict.fromkeys(handled, handle),
    )


def test_a_handler_the_catalogue_does_not_list_is_reported() -> None:
    # the gateway acting on a proposal: Dinkes's decision is what it carries to BPJS
    runtime = _runtime(
        CONSUMERS["bpjs-gateway"],
        (*HANDLED["bpjs-gateway"], ParticipantRegistered),
    )

    assert disagreements("bpjs-gateway", runtime) == [
        "handles ParticipantRegistered, which the catalogue does not list for it"
    ]


def test_a_catalogued_event_without_a_handler_is_reported() -> None:
    kept = [cls for cls in HANDLED["verification"] if cls is not ResidentDataErased]
    runtime = _runtime(CONSUMERS["verification"], tuple(kept))

    assert disagreements("verification", runtime) == [
        "has no handler for ResidentDataErased, which the catalogue lists for it"
    ]


def test_a_topic_the_catalogue_does_not_give_a_service_is_reported() -> None:
    runtime = _runtime(("jkn.dinkes.verifications",), (DeactivationRequested,))

    assert disagreements("bpjs-gateway", runtime)[0].startswith(
        "reads ('jkn.dinkes.verifications',), the catalogue says"
    )


async def _on_registered(_uow: object, _event: ParticipantRegistered) -> None:
    return None


def test_a_handler_keyed_by_another_event_class_is_recognised() -> None:
    accepted = accepted_classes(functools.partial(_on_registered))

    assert accepted == (ParticipantRegistered,)
    assert not issubclass(DeactivationRequested, accepted)
