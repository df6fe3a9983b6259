"""What the handlers need, bound once in ``bootstrap`` (fakes in unit tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from jkn_bus import UnitOfWork
from jkn_bus.keyring import Sealer
from jkn_contracts import utcnow
from jkn_contracts.city import CITY_TZ

from bpjs_gateway.app.ports import BpjsPort, IntentRecorder, ParticipantRepository
from bpjs_gateway.domain.effective_dates import EffectiveDateRules

__all__ = ["Dependencies"]


@dataclass(frozen=True)
class Dependencies:
    """The BPJS port, the city's date rules, the participant and intent tables.

    ``repository`` and ``intents`` take the unit of work so that the SQL adapter runs on
    its connection, inside the handler's transaction; a fake ignores it.
    """

    bpjs: BpjsPort
    repository: Callable[[UnitOfWork], ParticipantRepository]
    sealer: Sealer  # opens the personal fields of CoverageCheckRequested, ParticipantVerified
    intents: Callable[[UnitOfWork], IntentRecorder]  # the calls owed to BPJS (app.worker)
    rules: EffectiveDateRules = field(default_factory=EffectiveDateRules)
    kd_pemda: str = "1571"
    city_tz: tzinfo = CITY_TZ  # filing dates follow the city's calendar
    clock: Callable[[], datetime] = utcnow

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in the city (the filing date of a mutation)."""
        return self.clock().astimezone(self.city_tz).date()
