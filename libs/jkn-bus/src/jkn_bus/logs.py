"""Structured JSON logs carrying the trace and span ids of the current span.

Log participant pseudonyms (``extra={"participant_id": ...}``), never NIKs, names or
addresses. Exceptions are logged by class, never by text (``jkn_bus.scrub``), and this
holds for every logger — ours, FastStream's, aiokafka's, asyncpg's, uvicorn's — because the
handler does it (``ExceptionTextFilter`` and ``ScrubbedJsonFormatter``):

- an exception passed as a ``%s`` argument is written as its class name;
- the text of a logged exception (``exc_info``) and of its causes is cut out of the
  message (replaced by ``<ClassName>``); a third-party logger's record carrying an
  exception keeps its logger, level and the class only;
- a traceback keeps its frames and the classes of the chain, none of the messages —
  also one a library formatted into the message itself;
- and, whatever slipped through, a run of exactly 16 digits in a message (a NIK, a KK
  number) is written ``<NIK>``.

A library repeating itself is damped (``RepeatDamper``): while the broker is down aiokafka
logs "Unable connect to node ..." at ERROR many times a second, thousands of lines per
outage in a fault-suite run, burying the one line an operator needs. A third-party
warning or error whose logger, level and message template were written in the last 30 s is
counted, not written; the next one written after that says how many were left out. The
project's own loggers, and every INFO line, are never damped.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

from jkn_bus.scrub import (
    TRACEBACK_HEAD,
    exception_class,
    exception_texts,
    scrub_traceback_text,
    scrubbed_traceback,
)

__all__ = [
    "OWN_LOGGERS",
    "ExceptionTextFilter",
    "NikRedaction",
    "RepeatDamper",
    "ScrubbedJsonFormatter",
    "configure_logging",
    "log_handler",
]

# Loggers of the project's own code (the library, the services, the simulators' and
# tools' packages); any other logger is third-party.
OWN_LOGGERS = (
    "jkn_",
    "enrollment",
    "verification",
    "bpjs_",
    "notifications",
    "audit",
)


_SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")


class _TraceIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = trace.get_current_span().get_span_context()
        record.trace_id = format(ctx.trace_id, "032x") if ctx.is_valid else None
        record.span_id = format(ctx.span_id, "016x") if ctx.is_valid else None
        return True


def _own(name: str) -> bool:
    return name.startswith(OWN_LOGGERS)


class ExceptionTextFilter(logging.Filter):
    """Keeps exception texts out of a record's message (see the module doc)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(
                f"<{exception_class(a)}>" if isinstance(a, BaseException) else a for a in args
            )
        elif isinstance(args, dict):
            record.args = {
                k: f"<{exception_class(v)}>" if isinstance(v, BaseException) else v
                for k, v in args.items()
            }
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(record.msg, BaseException):  # log.error(exc)
            exc = exc or record.msg
            record.msg, record.args = f"<{exception_class(record.msg)}>", None
        if exc is None:
            if isinstance(record.msg, str) and TRACEBACK_HEAD in record.msg:
                # a traceback formatted into the message (uvicorn's lifespan errors)
                record.msg = scrub_traceback_text(record.getMessage())
                record.args = None
            return True
        if not _own(record.name):
            # a library's message may have formatted the exception any way it liked
            record.msg, record.args = f"{record.name}: <{exception_class(exc)}>", None
            return True
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        for text in exception_texts(exc):
            message = message.replace(text, f"<{exception_class(exc)}>")
        record.msg, record.args = message, None
        return True


class NikRedaction(logging.Filter):
    """A run of exactly 16 digits in a message (a NIK or a KK number) becomes ``<NIK>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        if _SIXTEEN_DIGITS.search(message):
            record.msg, record.args = _SIXTEEN_DIGITS.sub("<NIK>", message), None
        return True


class RepeatDamper(logging.Filter):
    """A third-party warning or error like one written less than ``window_s`` ago is left
    out and counted (see the module doc); own loggers and INFO lines pass untouched."""

    def __init__(self, window_s: float = 30.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self._window_s, self._clock = window_s, clock
        self._last: dict[tuple[str, int, str], float] = {}
        self._left_out: dict[tuple[str, int, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if _own(record.name) or record.levelno < logging.WARNING:
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._window_s:
            self._left_out[key] = self._left_out.get(key, 0) + 1
            return False
        self._last[key] = now
        left_out = self._left_out.pop(key, 0)
        if left_out:
            record.msg = (
                f"{record.getMessage()} ({left_out} like it left out in {self._window_s:.0f} s)"
            )
            record.args = None
        if len(self._last) > 1000:  # templates are few; bound the memory anyway
            self._last.clear()
        return True


class ScrubbedJsonFormatter(JsonFormatter):
    """JSON lines whose tracebacks carry frames and exception classes, no messages."""

    def formatException(self, ei: object) -> str:
        if isinstance(ei, tuple) and len(ei) == 3 and isinstance(ei[1], BaseException):
            return scrubbed_traceback(ei[1])
        return ""


def log_handler(service: str, stream: object = None) -> logging.Handler:
    """The handler ``configure_logging`` installs (JSON, trace ids, exceptions scrubbed)."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.addFilter(_TraceIds())
    handler.addFilter(ExceptionTextFilter())
    handler.addFilter(NikRedaction())
    handler.addFilter(RepeatDamper())
    handler.setFormatter(
        ScrubbedJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        )
    )
    return handler


def configure_logging(service: str, level: str = "INFO") -> None:
    """JSON lines on stderr: time, level, logger, message, service, trace_id, span_id."""
    root = logging.getLogger()
    root.handlers[:] = [log_handler(service)]
    root.setLevel(level)
    # aiokafka logs connection chatter at INFO; keep warnings.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    # FastStream gives its loggers handlers of their own that do not propagate: its records
    # come here instead (jkn_bus.broker hands the broker a logger under "faststream").
    faststream = logging.getLogger("faststream")
    faststream.handlers[:] = []
    faststream.propagate = True
