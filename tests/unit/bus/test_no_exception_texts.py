"""Exceptions leave a process by their class only: log lines (ours and third-party
loggers'), tracebacks, spans (recorded exceptions and status descriptions); dead-letter
reasons: test_dead_letter_reasons.py."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from jkn_bus.logs import log_handler
from jkn_bus.scrub import reason, safe_status_description, scrubbed_traceback
from jkn_bus.telemetry import configure_tracing, tracer
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

SECRET = "Kanari Penanda Unik 1571019999990001"  # noqa: S105 - a resident's data, not a password
DETAIL = f"duplicate key value violates unique constraint\nDETAIL:  Key (nik)=({SECRET}) exists."


class _RowError(Exception):
    """Like asyncpg's: the text quotes the row."""


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def _chained() -> BaseException:
    try:
        try:
            raise _RowError(DETAIL)
        except _RowError as inner:
            raise ValueError(f"could not save {SECRET}") from inner
    except ValueError as outer:
        return outer


# --- jkn_bus.scrub ----------------------------------------------------------------------


def test_a_reason_is_a_code_and_the_class() -> None:
    assert reason("HANDLER_FAILED", _RowError(DETAIL)) == "HANDLER_FAILED: _RowError"
    assert reason("EVENT_NOT_OF_TOPIC") == "EVENT_NOT_OF_TOPIC"


def test_a_traceback_keeps_frames_and_classes_of_the_chain_not_the_texts() -> None:
    text = scrubbed_traceback(_chained())
    assert "_RowError" in text
    assert "ValueError" in text
    assert "_chained" in text, "the frames stay"
    assert "Kanari" not in text
    assert "1571019999990001" not in text


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (f"_RowError: {DETAIL}", "_RowError"),
        ("dead-lettered", "dead-lettered"),
        ("UNIQUE_NIK", "UNIQUE_NIK"),
        (SECRET, None),  # not a code: dropped
        ("1571019999990001", None),
        ("", None),
        (None, None),
    ],
)
def test_a_status_description_is_kept_only_as_a_code(given: str | None, kept: str | None) -> None:
    assert safe_status_description(given) == kept


# --- jkn_bus.logs -----------------------------------------------------------------------


@pytest.fixture
def logged() -> Iterator[tuple[io.StringIO, list[logging.Logger]]]:
    out = io.StringIO()
    handler = log_handler("unit", out)
    loggers = [logging.getLogger(n) for n in ("jkn_bus.unit", "asyncpg.unit", "faststream.unit")]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    yield out, loggers
    for logger in loggers:
        logger.removeHandler(handler)
        logger.propagate = True


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_our_logged_exception_keeps_the_message_but_not_the_exception_text(logged) -> None:  # type: ignore[no-untyped-def]
    out, (ours, _, _) = logged
    exc = _chained()
    try:
        raise exc
    except ValueError:
        ours.exception("saving failed: %s", exc)
    [line] = _lines(out)
    assert line["message"] == "saving failed: <ValueError>"
    assert "ValueError" in line["exc_info"]
    assert "_RowError" in line["exc_info"]
    assert SECRET not in out.getvalue()
    assert "1571019999990001" not in out.getvalue()


def test_an_exception_text_formatted_into_our_message_is_cut_out(logged) -> None:  # type: ignore[no-untyped-def]
    out, (ours, _, _) = logged
    exc = _raised(_RowError(DETAIL))
    ours.error(f"insert failed: {exc}", exc_info=exc)
    [line] = _lines(out)
    assert line["message"].startswith("insert failed: <_RowError>")
    assert "1571019999990001" not in out.getvalue()


def test_a_third_party_record_with_an_exception_keeps_only_its_logger_and_class(logged) -> None:  # type: ignore[no-untyped-def]
    out, (_, asyncpg_log, faststream_log) = logged
    exc = _raised(_RowError(DETAIL))
    asyncpg_log.error("%r", str(exc), exc_info=exc)  # a text argument: not recognisable
    faststream_log.error(f"{exc!r}", exc_info=(type(exc), exc, exc.__traceback__))
    first, second = _lines(out)
    assert first["message"] == "asyncpg.unit: <_RowError>"
    assert second["message"] == "faststream.unit: <_RowError>"
    assert "1571019999990001" not in out.getvalue()
    assert "Kanari" not in out.getvalue()


def test_an_exception_argument_is_written_as_its_class(logged) -> None:  # type: ignore[no-untyped-def]
    out, (_, asyncpg_log, _) = logged
    asyncpg_log.warning("connection lost: %s", _RowError(DETAIL))
    asyncpg_log.warning("by name: %(err)s", {"err": _RowError(DETAIL)})
    asyncpg_log.warning(_RowError(DETAIL))
    assert [line["message"] for line in _lines(out)] == [
        "connection lost: <_RowError>",
        "by name: <_RowError>",
        "asyncpg.unit: <_RowError>",
    ]


def test_faststream_logs_reach_the_service_handler() -> None:
    from jkn_bus.broker import make_broker  # noqa: PLC0415
    from jkn_bus.kafka_login import KafkaLogin  # noqa: PLC0415
    from jkn_bus.logs import configure_logging  # noqa: PLC0415

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("unit")
        assert logging.getLogger("faststream").propagate
        assert logging.getLogger("faststream").handlers == []
        broker = make_broker("127.0.0.1:1", client_id="unit", login=KafkaLogin("u", "p"))
        assert broker is not None
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])


# --- jkn_bus.telemetry ------------------------------------------------------------------


@pytest.fixture
def finished() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    configure_tracing("unit-test", None, [SimpleSpanProcessor(exporter)])
    yield exporter
    exporter.clear()


def test_an_exception_leaving_a_span_is_recorded_by_class_only(
    finished: InMemorySpanExporter,
) -> None:
    with (
        pytest.raises(ValueError, match="could not save"),
        tracer().start_as_current_span("unit fails"),
    ):
        raise _chained()
    [span] = [s for s in finished.get_finished_spans() if s.name == "unit fails"]
    assert span.status.status_code == trace.StatusCode.ERROR
    assert span.status.description == "ValueError"
    [event] = span.events
    assert event.name == "exception"
    attributes = dict(event.attributes or {})
    assert attributes["exception.type"].endswith("ValueError")
    assert "exception.message" not in attributes
    assert "_RowError" in str(attributes["exception.stacktrace"])
    everything = repr(span.to_json())
    assert "1571019999990001" not in everything
    assert "Kanari" not in everything


def test_record_exception_and_set_status_called_by_hand_are_scrubbed_too(
    finished: InMemorySpanExporter,
) -> None:
    with tracer().start_as_current_span("unit by hand") as span:
        span.record_exception(
            _RowError(DETAIL), attributes={"exception.message": SECRET, "jkn.code": "X"}
        )
        span.set_status(trace.Status(trace.StatusCode.ERROR, SECRET))
    [done] = [s for s in finished.get_finished_spans() if s.name == "unit by hand"]
    assert done.status.description is None
    assert dict(done.events[0].attributes or {})["jkn.code"] == "X"
    assert SECRET not in repr(done.to_json())


def test_a_traceback_formatted_into_a_message_keeps_frames_and_classes(logged) -> None:  # type: ignore[no-untyped-def]
    out, (_, asyncpg_log, _) = logged
    try:
        raise _chained()
    except ValueError:
        import traceback  # noqa: PLC0415

        asyncpg_log.error(traceback.format_exc())  # as uvicorn logs a failed lifespan
    [line] = _lines(out)
    assert line["message"].startswith("Traceback (most recent call last):")
    assert "_chained" in line["message"]
    assert line["message"].rstrip().endswith("ValueError")
    assert "_RowError" in line["message"]
    assert "1571019999990001" not in out.getvalue()
    assert "Kanari" not in out.getvalue()


def test_an_exception_s_own_indented_lines_after_a_formatted_traceback_are_dropped() -> None:
    from jkn_bus.scrub import scrub_traceback_text  # noqa: PLC0415

    text = (
        "Exception in ASGI application\n"
        "Traceback (most recent call last):\n"
        '  File "app.py", line 3, in handle\n'
        "    form = Form.model_validate(body)\n"
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for Form\n"
        "name\n"
        f"  String should be short [type=too_long, input_value='{SECRET}', input_type=str]\n"
    )
    scrubbed = scrub_traceback_text(text)
    assert scrubbed.startswith("Exception in ASGI application\nTraceback")
    assert "form = Form.model_validate(body)" in scrubbed
    assert "pydantic_core._pydantic_core.ValidationError" in scrubbed
    assert "Kanari" not in scrubbed
    assert "validation error" not in scrubbed


def test_no_span_keeps_a_concrete_url(finished: InMemorySpanExporter) -> None:
    with tracer().start_as_current_span(
        "GET /proposals/{proposal_id}",
        attributes={
            "url.path": "/proposals/1571019999990001",
            "url.query": f"receipt_code={SECRET}",
            "http.route": "/proposals/{proposal_id}",
        },
    ) as span:
        span.set_attribute("url.full", f"http://e/proposals?nik={SECRET}")
        span.set_attributes({"client.address": "10.0.0.7", "http.response.status_code": 404})
    [done] = [s for s in finished.get_finished_spans() if s.name.startswith("GET /proposals")]
    assert dict(done.attributes or {}) == {
        "http.route": "/proposals/{proposal_id}",
        "http.response.status_code": 404,
    }


def test_sixteen_digits_in_any_message_are_written_as_nik(logged) -> None:  # type: ignore[no-untyped-def]
    out, (ours, asyncpg_log, _) = logged
    ours.info("looked up %s", "1571019999990001")
    asyncpg_log.warning("GET /Peserta/nik/1571019999990001/tglSEP/2026-01-01 kk=1571010101010001")
    ours.info("card 0001234567890, offset 12345678901234567")  # 13 and 17 digits: kept
    assert [line["message"] for line in _lines(out)] == [
        "looked up <NIK>",
        "GET /Peserta/nik/<NIK>/tglSEP/2026-01-01 kk=<NIK>",
        "card 0001234567890, offset 12345678901234567",
    ]
