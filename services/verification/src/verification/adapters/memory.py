"""In-memory registries: the fakes of the ``CivilRegistry`` and ``WelfareRegistry`` ports."""

from __future__ import annotations

from collections.abc import Mapping

from verification.domain import CivilRecord, DtksRecord

__all__ = ["InMemoryCivilRegistry", "InMemoryWelfareRegistry"]


class InMemoryCivilRegistry:
    """A civil registry that knows the records it is given, by NIK."""

    def __init__(self, records: Mapping[str, CivilRecord] | None = None) -> None:
        self.records: dict[str, CivilRecord] = dict(records or {})

    async def lookup(self, nik: str) -> CivilRecord | None:
        return self.records.get(nik)


class InMemoryWelfareRegistry:
    """A DTKS/DTSEN registry that knows the deciles it is given, by NIK."""

    def __init__(self, deciles: Mapping[str, int] | None = None) -> None:
        self.deciles: dict[str, int] = dict(deciles or {})

    async def lookup(self, nik: str) -> DtksRecord | None:
        decile = self.deciles.get(nik)
        return DtksRecord(decile) if decile is not None else None
