"""Building valid NIK and KK numbers (checked against ``jkn_contracts.nik``)."""

from __future__ import annotations

from datetime import date

__all__ = ["SerialBook", "kk_number", "nik_number"]

CITY_SERIAL_LIMIT = 5000
"""Serials of city residents stay below this; registry snapshots use the ones above."""


def nik_number(district: str, sex: str, born: date, serial: int) -> str:
    """NIK ``PPKKCC DDMMYY SSSS``: women add 40 to the day of birth."""
    day = born.day + (40 if sex == "P" else 0)
    return f"{district}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def kk_number(district: str, issued: date, serial: int) -> str:
    """KK number: 6-digit region of issue, DDMMYY issue date, 4-digit serial."""
    return f"{district}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial:04d}"


class SerialBook:
    """Hands out serials 1, 2, 3, ... per 12-digit prefix so numbers never repeat."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def next(self, prefix: str) -> int:
        """The next unused serial for this prefix."""
        serial = self._last.get(prefix, 0) + 1
        if serial >= CITY_SERIAL_LIMIT:
            raise OverflowError("too many numbers share one region and date")
        self._last[prefix] = serial
        return serial
