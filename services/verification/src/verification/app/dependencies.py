"""What the use cases need from the outside, bound once in ``bootstrap``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from jkn_bus import UnitOfWork
from jkn_bus.keyring import Sealer
from jkn_contracts import utcnow
from jkn_contracts.city import CITY_TZ

from verification.app.ports import CivilRegistry, Gauges, Repository, WelfareRegistry
from verification.domain import Policy

__all__ = ["Dependencies"]


@dataclass(frozen=True)
class Dependencies:
    """Settings and port factories of the verification use cases.

    The factories take the unit of work so that SQL adapters run on its connection, inside
    the handler's transaction; fakes ignore it.
    """

    policy: Policy
    initial_quota_total: int
    uhc_priority: bool
    repository: Callable[[UnitOfWork], Repository]
    civil_registry: Callable[[UnitOfWork], CivilRegistry]
    welfare_registry: Callable[[UnitOfWork], WelfareRegistry]
    sealer: Sealer  # opens ParticipantRegistered, seals what Dinkes passes on
    gauges: Gauges  # the quota and the waiting list, as the use cases write them
    clock: Callable[[], datetime] = utcnow
    # a PUT /quota lowering the total by more than this share of it is refused
    max_quota_cut_share: float = 0.10

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """The city's current date: budget years and check dates follow its calendar."""
        return self.clock().astimezone(CITY_TZ).date()

    def budget_year(self) -> int:
        """The budget (APBD) year whose quota funds new participants: the calendar year."""
        return self.today().year
