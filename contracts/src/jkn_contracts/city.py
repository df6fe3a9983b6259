"""The city's calendar: budget years, check and filing dates and answer deadlines are days
in the city, not in UTC.

The cities this runs for (Jambi, Padang) keep Western Indonesian Time (WIB, UTC+7), and
every service reads "today" there. Events carry UTC instants (``utcnow``); a date the city
agreed on (a filing date, a deadline) is that instant's day in ``CITY_TZ``. Where a service
lets an operator set another offset (the BPJS gateway's ``JKN_CITY_UTC_OFFSET_HOURS``),
``city_tz`` builds the zone from that one setting.
"""

from __future__ import annotations

from datetime import timedelta, timezone

__all__ = ["CITY_TZ", "CITY_UTC_OFFSET_HOURS", "city_tz"]

CITY_UTC_OFFSET_HOURS = 7
CITY_TZ = timezone(timedelta(hours=CITY_UTC_OFFSET_HOURS), "WIB")


def city_tz(utc_offset_hours: int = CITY_UTC_OFFSET_HOURS) -> timezone:
    """The city's zone at ``utc_offset_hours`` from UTC: ``CITY_TZ`` (WIB) at the default."""
    if utc_offset_hours == CITY_UTC_OFFSET_HOURS:
        return CITY_TZ
    return timezone(timedelta(hours=utc_offset_hours))
