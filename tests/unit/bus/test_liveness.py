"""Whether a consumer still makes progress (jkn_bus.liveness), as /health reports it.

Specification: a consumer is stalled when records wait and no batch was committed for
longer than ``stall_after_s`` (NO_PROGRESS), or when the broker has not answered the lag
query for that long (LAG_UNKNOWN). A consumer with nothing to do is never stalled, however
long it stays idle; a commit or an empty lag ends NO_PROGRESS; an answer ends LAG_UNKNOWN.
"""

from __future__ import annotations

from jkn_bus.liveness import ConsumerLiveness


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def liveness() -> tuple[ConsumerLiveness, Clock]:
    clock = Clock()
    return ConsumerLiveness(60.0, clock=clock), clock


def test_an_idle_consumer_whose_lag_the_broker_reports_is_never_stalled() -> None:
    consumer, clock = liveness()
    for _ in range(10):
        clock.now += 30
        consumer.lag_seen(0)
    assert consumer.stalled() is None
    assert consumer.report()["lag"] == 0


def test_records_waiting_with_no_commit_beyond_the_bound_are_no_progress() -> None:
    consumer, clock = liveness()
    consumer.lag_seen(0)
    clock.now += 10
    consumer.lag_seen(250)
    clock.now += 50
    consumer.lag_seen(400)
    assert consumer.stalled() is None  # 60 s since it last had nothing to do: not beyond
    clock.now += 20
    consumer.lag_seen(400)

    assert consumer.stalled() == "NO_PROGRESS"
    report = consumer.report()
    assert (report["lag"], report["seconds_since_progress"]) == (400, 80.0)


def test_a_commit_ends_no_progress_and_so_does_an_empty_lag() -> None:
    consumer, clock = liveness()
    consumer.lag_seen(5)
    clock.now += 61
    consumer.lag_seen(5)
    assert consumer.stalled() == "NO_PROGRESS"

    consumer.committed()
    assert consumer.stalled() is None

    clock.now += 61
    consumer.lag_seen(5)
    assert consumer.stalled() == "NO_PROGRESS"
    consumer.lag_seen(0)
    assert consumer.stalled() is None


def test_a_broker_that_leaves_the_lag_query_unanswered_beyond_the_bound_is_lag_unknown() -> None:
    consumer, clock = liveness()
    consumer.lag_seen(0)
    clock.now += 59
    assert consumer.stalled() is None
    clock.now += 2

    assert consumer.stalled() == "LAG_UNKNOWN"
    assert consumer.report()["seconds_since_lag_seen"] == 61.0

    consumer.lag_seen(0)
    assert consumer.stalled() is None


def test_a_consumer_never_answered_since_it_started_is_lag_unknown_after_the_bound() -> None:
    consumer, clock = liveness()
    clock.now += 30
    assert consumer.stalled() is None
    clock.now += 31
    assert consumer.stalled() == "LAG_UNKNOWN"
