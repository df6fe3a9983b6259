"""Exceptions told by their class, never by their text.

An exception's text may quote the data it failed on: asyncpg appends ``DETAIL: Key
(nik)=(1571…) already exists``, pydantic prints the input values, a handler may format a
name into its message. What leaves a process — a dead-letter reason, a log line, a span,
an HTTP error body — names a reason code and the exception's class, and a traceback keeps
its frames (code, not data) but drops every message. ``jkn_bus.logs`` and
``jkn_bus.telemetry`` apply this to every log record and span, whoever wrote them.
"""

from __future__ import annotations

import re
import traceback

__all__ = [
    "exception_class",
    "exception_texts",
    "reason",
    "safe_status_description",
    "scrub_traceback_text",
    "scrubbed_traceback",
]

_CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,99}")
TRACEBACK_HEAD = "Traceback (most recent call last):"
_CHAIN_LINES = (
    TRACEBACK_HEAD,
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
_EXCEPTION_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)(?::.*)?")


def exception_class(exc: BaseException) -> str:
    """The exception's class name: ``UniqueViolationError``, ``ValidationError``."""
    return type(exc).__name__


def reason(code: str, exc: BaseException | None = None) -> str:
    """A reason as it may be stored or sent: ``CODE`` or ``CODE: ExceptionClass``."""
    return code if exc is None else f"{code}: {exception_class(exc)}"


def safe_status_description(description: str | None) -> str | None:
    """A span status description reduced to a code: OpenTelemetry writes ``Class: text``
    for an exception leaving a span; only ``Class`` is kept, and a description that is not
    a code (a letter first, then letters, digits, ``_.-``) is dropped."""
    if not description:
        return None
    head = description.split(":", 1)[0].strip()
    return head if _CODE.fullmatch(head) else None


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes/contexts, innermost cause first (as Python prints them)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        cause = current.__cause__
        current = (
            cause
            if cause is not None
            else (None if current.__suppress_context__ else current.__context__)
        )
    return list(reversed(seen))


def exception_texts(exc: BaseException) -> list[str]:
    """The texts of ``exc`` and its chain (what must not be written), longest first."""
    texts: set[str] = set()
    for e in _chain(exc):
        try:
            text = str(e)
        except Exception:  # noqa: S112 - a broken __str__ writes nothing either
            continue
        if text.strip():
            texts.add(text)
            texts.update(line for line in text.splitlines() if len(line.strip()) > 3)
    return sorted(texts, key=len, reverse=True)


def scrubbed_traceback(exc: BaseException) -> str:
    """A traceback of ``exc`` and its chain: frames and class names, no messages."""
    parts: list[str] = []
    for i, e in enumerate(_chain(exc)):
        if i:
            parts.append("\nThe above exception led to the following exception:\n\n")
        if e.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(
                traceback.StackSummary.extract(traceback.walk_tb(e.__traceback__)).format()
            )
        parts.append(f"{type(e).__module__}.{type(e).__qualname__}\n")
    return "".join(parts).rstrip("\n")


def scrub_traceback_text(text: str) -> str:
    """A traceback already formatted into text (``logger.error(traceback.format_exc())``,
    as uvicorn does): its frames (indented lines: code, not data) and chain lines are
    kept, each exception line is reduced to its class, any other line is dropped. The
    text before the traceback is kept."""
    head, sep, rest = text.partition(TRACEBACK_HEAD)
    if not sep:
        return text
    kept: list[str] = []
    in_frames = False  # between "Traceback ..." and its exception line
    for line in (sep + rest).splitlines():
        if line in _CHAIN_LINES or not line.strip():
            kept.append(line)
            in_frames = line == TRACEBACK_HEAD
        elif line.startswith((" ", "\t")):
            if in_frames:  # a frame: file, line, code (an exception's own indented lines,
                kept.append(line)  # e.g. pydantic's input values, come after: dropped)
        elif in_frames and (match := _EXCEPTION_LINE.fullmatch(line)) is not None:
            kept.append(match.group(1))
            in_frames = False
        else:
            in_frames = False
    return head + "\n".join(kept)
