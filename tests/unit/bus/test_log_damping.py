"""A library repeating itself during an outage (aiokafka: "Unable connect to node ..." many
times a second while the broker is down) writes one line per 30 s, and the next line says
how many were left out; the project's own lines are never left out."""

from __future__ import annotations

import io
import json
import logging

from jkn_bus.logs import RepeatDamper, log_handler


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _record(name: str, msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_a_librarys_repeated_line_is_written_once_per_window_then_counted() -> None:
    clock = Clock()
    damper = RepeatDamper(window_s=30, clock=clock)
    written = []
    for second in range(0, 65):  # one failure a second for 65 s, alternating nodes
        clock.now = 100.0 + second
        record = _record("aiokafka", "Unable connect to node with id %s: %s", second % 2, "<E>")
        if damper.filter(record):
            written.append(record.getMessage())
    assert len(written) == 3  # at 0 s, 30 s and 60 s
    assert written[0] == "Unable connect to node with id 0: <E>"
    assert written[1].endswith("(29 like it left out in 30 s)")
    assert written[2].endswith("(29 like it left out in 30 s)")


def test_different_lines_and_levels_are_each_written() -> None:
    damper = RepeatDamper(window_s=30, clock=Clock())
    records = [
        _record("aiokafka", "Unable connect to node with id %s: %s", 1, "<E>"),
        _record("aiokafka", "Unable to update metadata from [%s]", 1),
        _record("aiokafka", "Unable to update metadata from [%s]", 1, level=logging.WARNING),
        _record("aiokafka.consumer.fetcher", "Unable to update metadata from [%s]", 1),
    ]
    assert all(damper.filter(r) for r in records)


def test_the_projects_own_lines_and_info_lines_are_never_left_out() -> None:
    damper = RepeatDamper(window_s=30, clock=Clock())
    own = [_record("jkn_bus.relay", "outbox relay lost its database connection") for _ in range(5)]
    info = [_record("faststream.jkn", "Received", level=logging.INFO) for _ in range(5)]
    assert all(damper.filter(r) for r in own + info)


def test_the_service_handler_damps_a_burst_of_library_errors() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("aiokafka.test_damping")
    logger.propagate = False
    logger.addHandler(log_handler("verification", stream))
    try:
        for _ in range(50):
            logger.error("Unable connect to node with id %s: %s", 1, ConnectionRefusedError(111))
    finally:
        logger.handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    assert lines[0]["level"] == "ERROR"
