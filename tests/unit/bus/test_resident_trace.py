"""One trace per resident, even when one request or message acts on many residents
(a CSV import, a findings file, a BPJS sync pass, a freed slot admitting a waiting one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jkn_bus.telemetry import configure_tracing, current_trace_headers, resident_trace, tracer
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@pytest.fixture
def finished() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    configure_tracing("unit-test", None, [SimpleSpanProcessor(exporter)])
    yield exporter
    exporter.clear()


def _named(exporter: InMemorySpanExporter, name: str) -> ReadableSpan:
    (span,) = [s for s in exporter.get_finished_spans() if s.name == name]
    return span


def test_each_resident_of_a_batch_begins_a_trace_of_their_own_linked_to_the_batch(
    finished: InMemorySpanExporter,
) -> None:
    with tracer().start_as_current_span("import batch") as batch:
        with resident_trace("proposal imported", "pid-a", attributes={"jkn.import_line": 2}):
            saved_a = current_trace_headers()
        with resident_trace("proposal imported", "pid-b", attributes={"jkn.import_line": 3}):
            saved_b = current_trace_headers()

    spans = [s for s in finished.get_finished_spans() if s.name == "proposal imported"]
    assert [s.attributes["jkn.participant_id"] for s in spans] == ["pid-a", "pid-b"]
    batch_trace = batch.get_span_context().trace_id
    assert len({s.context.trace_id for s in spans} | {batch_trace}) == 3
    for span in spans:
        assert span.parent is None
        assert [link.context.span_id for link in span.links] == [batch.get_span_context().span_id]
    # what the outbox row saves is the resident's trace, not the batch's
    assert saved_a["traceparent"] != saved_b["traceparent"]
    assert f"{batch_trace:032x}" not in saved_a["traceparent"]


def test_a_resident_admitted_later_continues_the_trace_saved_for_them(
    finished: InMemorySpanExporter,
) -> None:
    with tracer().start_as_current_span("resident a registered"):
        saved = current_trace_headers()
    with (
        tracer().start_as_current_span("resident b deactivated") as release,
        resident_trace("admitted from the waiting list", "pid-a", resume=saved),
    ):
        pass

    registered = _named(finished, "resident a registered")
    admitted = _named(finished, "admitted from the waiting list")
    assert admitted.context.trace_id == registered.context.trace_id
    assert admitted.parent is not None
    assert admitted.parent.span_id == registered.context.span_id
    assert [link.context.span_id for link in admitted.links] == [release.get_span_context().span_id]


def test_outside_any_trace_a_resident_trace_simply_begins(
    finished: InMemorySpanExporter,
) -> None:
    with resident_trace("BPJS-side change found", "pid-c"):
        pass
    span = _named(finished, "BPJS-side change found")
    assert (span.parent, list(span.links)) == (None, [])
