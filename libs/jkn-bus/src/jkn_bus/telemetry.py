"""OpenTelemetry wiring: one trace follows a resident across services.

The trace context of the code that writes an outbox row is saved with the row (W3C
``traceparent``); the relay restores it as the parent of the publish span and puts the
publish span's context in the Kafka headers; the consumer continues from those headers.
So the path HTTP request → outbox → Kafka → next service → its outbox → ... is one trace.

Span attributes carry the pseudonymous participant id, never a NIK or a name. An
exception leaving a span is recorded by its class, never its text (``SpanScrubber``,
installed first on the provider, so it holds for every span of the process: OpenTelemetry's
own ``record_exception`` would put ``str(exc)`` — asyncpg's DETAIL quoting row values,
pydantic's input values — in ``exception.message`` and the status description). Nor does
any span carry a request's concrete URL (``SpanScrubber`` too): FastAPI's own server
spans would record ``url.path`` and ``url.query`` — a receipt code, an id a resident typed
in —; the route template (``http.route``) says what was called.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode
from opentelemetry.util import types as otel_types

from jkn_bus.scrub import safe_status_description, scrubbed_traceback

__all__ = [
    "PARTICIPANT_ATTR",
    "URL_ATTRIBUTES",
    "SpanScrubber",
    "configure_tracing",
    "context_from_headers",
    "current_trace_headers",
    "kafka_headers",
    "resident_trace",
    "tracer",
    "transaction_span",
]

PARTICIPANT_ATTR = "jkn.participant_id"
_configured = False


# What a request's URL, its client and its agent would put on a span (OpenTelemetry's
# semantic conventions, current and older): never kept.
URL_ATTRIBUTES = frozenset(
    {
        "url.full",
        "url.path",
        "url.query",
        "url.fragment",
        "http.url",
        "http.target",
        "client.address",
        "client.port",
        "network.peer.address",
        "user_agent.original",
        "http.user_agent",
    }
)


class _ScrubbedSpan(Span):
    """An SDK span that records exceptions by class, keeps a status description only as a
    code, and refuses URL attributes (``SpanScrubber`` makes every span one)."""

    def set_attribute(self, key: str, value: otel_types.AnyValue) -> None:
        if key not in URL_ATTRIBUTES:
            super().set_attribute(key, value)

    def set_attributes(self, attributes: Mapping[str, otel_types.AnyValue]) -> None:
        super().set_attributes({k: v for k, v in attributes.items() if k not in URL_ATTRIBUTES})

    def record_exception(
        self,
        exception: BaseException,
        attributes: otel_types.Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        kept = {k: v for k, v in (attributes or {}).items() if not k.startswith("exception.")}
        kind = type(exception)
        self.add_event(
            "exception",
            {
                "exception.type": f"{kind.__module__}.{kind.__qualname__}",
                "exception.stacktrace": scrubbed_traceback(exception),
                "exception.escaped": str(escaped),
                **kept,
            },
            timestamp,
        )

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        if isinstance(status, Status):
            code, description = status.status_code, status.description
        else:
            code = status
        super().set_status(Status(code, safe_status_description(description)))


_PLAIN_SPANS: set[type] = {Span}


def _plain(kind: type) -> bool:
    """Whether ``kind`` is the SDK's span class or one adding nothing to it (the SDK hands
    out ``_Span``, an empty subclass): a span of it may become a ``_ScrubbedSpan`` without
    losing any behaviour."""
    adds = [
        name
        for klass in kind.__mro__[: kind.__mro__.index(Span)]
        for name, value in vars(klass).items()
        if callable(value) or isinstance(value, property)
    ]
    if not issubclass(kind, Span) or adds:
        return False
    _PLAIN_SPANS.add(kind)
    return True


class SpanScrubber(SpanProcessor):
    """Every span records exceptions by class, its status description is a code, and it
    keeps no concrete URL, client address or user agent (``URL_ATTRIBUTES``), whoever made
    it (FastAPI's built-in telemetry records them on its server spans).

    On start, the URL attributes the span started with are dropped and the span becomes a
    ``_ScrubbedSpan`` (the SDK's span with four methods replaced, nothing added to it):
    ``record_exception`` writes the ``exception`` event with ``exception.type``
    (module-qualified class), ``exception.escaped`` and a traceback of frames and classes
    only — no ``exception.message`` —; ``set_status`` keeps a description only as a code
    (``ValueError: …`` → ``ValueError``; ``jkn_bus.scrub.safe_status_description``); both
    are what OpenTelemetry calls when an exception leaves ``start_as_current_span``; and
    ``set_attribute`` / ``set_attributes`` refuse URL attributes. Changing the span's class,
    rather than binding four closures to each span, costs one assignment a span: a span with
    nine attributes took 43.1 µs with the closures, 35.4 µs this way and 32.4 µs unscrubbed
    (medians of five ``timeit`` runs of 10,000 spans each, in one process).
    """

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        started = span._attributes  # still mutable until the span ends
        if isinstance(started, MutableMapping):
            for key in URL_ATTRIBUTES.intersection(started):
                del started[key]
        if type(span) not in _PLAIN_SPANS and not _plain(type(span)):
            raise TypeError(f"cannot scrub a {type(span).__qualname__}")
        span.__class__ = _ScrubbedSpan

    def on_end(self, span: ReadableSpan) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def configure_tracing(
    service: str,
    otlp_endpoint: str | None,
    extra_processors: Iterable[SpanProcessor] = (),
    *,
    zipkin_endpoint: str | None = None,
) -> None:
    """Install the tracer provider once per process.

    With ``otlp_endpoint`` (e.g. ``http://collector:4318``) spans go to an OTLP collector
    (production, see deploy/otel); with ``zipkin_endpoint`` (``make run``'s local Zipkin,
    ``http://127.0.0.1:9411/api/v2/spans``) straight to Zipkin. Tests pass an in-memory
    exporter through ``extra_processors``.
    """
    global _configured  # noqa: PLW0603 - the provider is process-global by OpenTelemetry's design
    if _configured:
        provider = trace.get_tracer_provider()
        if isinstance(provider, TracerProvider):
            for processor in extra_processors:
                provider.add_span_processor(processor)
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    # first: before any span is handed out
    provider.add_span_processor(SpanScrubber())
    if otlp_endpoint:
        # each exporter is imported only when configured: they pull in HTTP and protobuf stacks
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )

        exporter = OTLPSpanExporter(endpoint=otlp_endpoint.rstrip("/") + "/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
    if zipkin_endpoint:
        from opentelemetry.exporter.zipkin.json import ZipkinExporter  # noqa: PLC0415

        provider.add_span_processor(BatchSpanProcessor(ZipkinExporter(endpoint=zipkin_endpoint)))
    for processor in extra_processors:
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    _configured = True


_TRACERS: dict[str, tuple[trace.TracerProvider, trace.Tracer]] = {}


def tracer(name: str = "jkn_bus") -> trace.Tracer:
    """The tracer ``name`` of the current provider, made once per provider (the SDK makes
    a new Tracer, and its scope, on every ``get_tracer``: a span per event paid for it)."""
    provider = trace.get_tracer_provider()
    held = _TRACERS.get(name)
    if held is None or held[0] is not provider:
        held = _TRACERS[name] = (provider, provider.get_tracer(name))
    return held[1]


def transaction_span(schema: str) -> AbstractContextManager[trace.Span]:
    """A span around one database transaction of a service (its own schema)."""
    return tracer().start_as_current_span(
        "db transaction",
        kind=trace.SpanKind.CLIENT,
        attributes={"db.system": "postgresql", "db.namespace": schema},
    )


@contextmanager
def resident_trace(
    name: str,
    participant_id: str,
    *,
    resume: Mapping[str, str] | None = None,
    attributes: Mapping[str, str | int] | None = None,
) -> Iterator[trace.Span]:
    """A span in one resident's own journey, for work that handles many residents at once.

    A CSV import, a registry snapshot, a findings file, a BPJS sync run or a freed slot
    acts on many residents in one request or message. Events emitted inside this span
    (their outbox rows save its context) belong to the resident's trace, not to the
    batch's: ``resume`` continues the trace saved earlier for that resident (e.g. when a
    waitlisted proposal is admitted), otherwise a new trace begins. Either way the span
    links to the batch's span, so an operator can go from one to the other.
    """
    cause = trace.get_current_span().get_span_context()
    with tracer().start_as_current_span(
        name,
        context=context_from_headers(resume or {}),
        links=[trace.Link(cause)] if cause.is_valid else (),
        attributes={PARTICIPANT_ATTR: participant_id, **(attributes or {})},
    ) as span:
        yield span


def current_trace_headers() -> dict[str, str]:
    """W3C trace context of the current span, to store with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: Mapping[str, str]) -> otel_context.Context:
    """The trace context saved in ``headers`` (outbox row or Kafka record)."""
    return propagate.extract(dict(headers))


def kafka_headers(raw: Iterable[tuple[str, bytes]] | None) -> dict[str, str]:
    """Kafka record headers as text (trace context and dead-letter metadata)."""
    return {k: v.decode("utf-8", "replace") for k, v in (raw or ())}
