"""Whether a service's consumer still makes progress, for ``/health`` (``jkn_bus.http``).

A process can answer HTTP while its consumer has stopped: after a broker restart under
uvloop, verification's consumer client lost the task that answers its metadata requests
and waited forever, its records piling up behind it, while ``/health`` said "ok"
(docs/pitfalls.md#uvloop-broker-restart). Nothing but a restart brings such a consumer
back, so ``/health`` now says when it is stuck and answers 503, which an orchestrator's
liveness probe acts on (deploy/k8s/services.yaml).

Two signals, each beyond ``stall_after_s`` (``CONSUMER_STALL_AFTER_S``, 120 s):

- ``NO_PROGRESS``: records are waiting (lag above 0 at the last look) and no batch was
  committed since; a consumer with nothing to do is never stuck.
- ``LAG_UNKNOWN``: the broker has not answered the lag query (``jkn_bus.lag``, every
  ``consumer_lag_interval_s``) for that long: the consumer's client cannot reach the
  cluster, or is wedged as above. During a broker outage every consumer says so, rightly:
  none can make progress.

Whatever the cause, "stalled" means no progress: a Postgres outage that keeps a batch
retrying (``jkn_bus.consumer``) shows as NO_PROGRESS too. The probe's restart does not
harm then (the batch is redelivered and the inbox absorbs what was applied), and the
same answer tells the operator where to look: the lag and seconds in ``consumer``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["ConsumerLiveness"]


class ConsumerLiveness:
    """Progress of one consumer: batches committed, lag seen; ``report`` for /health."""

    def __init__(self, stall_after_s: float, *, clock: Callable[[], float] = time.monotonic):
        self.stall_after_s = stall_after_s
        self._clock = clock
        started = clock()
        self._progress_at = started  # the last commit, or the last time nothing was waiting
        self._checked_at = started  # the last lag the broker answered (or the start)
        self._lag: int | None = None

    def committed(self) -> None:
        """A batch was applied and its offsets committed."""
        self._progress_at = self._clock()

    def lag_seen(self, lag: int) -> None:
        """The broker answered the lag query: ``lag`` records wait in all partitions."""
        now = self._clock()
        self._checked_at, self._lag = now, lag
        if lag == 0:
            self._progress_at = now  # nothing waits: idle, not stuck

    def stalled(self) -> str | None:
        """``NO_PROGRESS``, ``LAG_UNKNOWN`` (see the module), or None when it is fine."""
        now = self._clock()
        if self._lag and now - self._progress_at > self.stall_after_s:
            return "NO_PROGRESS"
        if now - self._checked_at > self.stall_after_s:
            return "LAG_UNKNOWN"
        return None

    def report(self) -> dict[str, Any]:
        """What /health shows of the consumer (counts and seconds only)."""
        now = self._clock()
        return {
            "stalled": self.stalled(),
            "lag": self._lag,
            "seconds_since_progress": round(now - self._progress_at, 1),
            "seconds_since_lag_seen": round(now - self._checked_at, 1),
            "stall_after_s": self.stall_after_s,
        }
