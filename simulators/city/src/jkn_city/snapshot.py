"""Large DTKS/DTSEN registry snapshots, streamed: a million rows in seconds, in little memory.

A snapshot starts with the city's own DTKS members (so it can be diffed against the
participants enrolled from that city) and continues with filler people up to ``rows``.
Filler numbers are unique by construction rather than by remembering them: row ``i`` gets
the birth date ``i * P mod D`` days after 1940-01-01 and the serial ``5000 + i // D``
(city residents' serials stay below 5000), so no two rows share a NIK.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from jkn_city.export import DTKS_COLUMNS, dtks_row
from jkn_city.generator import DEFAULT_AS_OF
from jkn_city.ids import CITY_SERIAL_LIMIT, kk_number, nik_number
from jkn_city.model import City
from jkn_city.names import person_name
from jkn_city.regions import ELSEWHERE, KELURAHAN

__all__ = ["iter_snapshot_rows", "write_snapshot_csv"]

_BIRTH_BASE = date(1940, 1, 1)
_ISSUE_BASE = date(2008, 1, 1)


def _coprime_step(span: int, start: int) -> int:
    step = start
    while math.gcd(step, span) != 1:
        step += 1
    return step


def _filler(seed: int, as_of: date) -> Iterator[tuple[str, ...]]:
    rng = random.Random(f"snapshot:{seed}")  # noqa: S311 - synthetic data, not security
    birth_span = (as_of - _BIRTH_BASE).days
    issue_span = (as_of - timedelta(days=30) - _ISSUE_BASE).days
    birth_step, issue_step = _coprime_step(birth_span, 7919), _coprime_step(issue_span, 104729)
    weights = (16, 15, 14, 13, 10, 9, 8, 6, 5, 4)
    i = family = 0
    while True:
        kel = rng.choice(KELURAHAN)
        issued = _ISSUE_BASE + timedelta(days=family * issue_step % issue_span)
        kk = kk_number(kel.district, issued, CITY_SERIAL_LIMIT + family // issue_span)
        decile = str(rng.choices(range(1, 11), weights)[0])
        for _ in range(rng.randint(1, 6)):
            born = _BIRTH_BASE + timedelta(days=i * birth_step % birth_span)
            sex = "L" if rng.random() < 0.5 else "P"
            district = kel.district
            if rng.random() < 0.2:
                region = rng.choice(ELSEWHERE)
                district = f"{region.code}{rng.randint(1, region.districts):02d}"
            nik = nik_number(district, sex, born, CITY_SERIAL_LIMIT + i // birth_span)
            yield (nik, kk, person_name(rng, sex), sex, born.isoformat(), kel.code, decile)
            i += 1
        family += 1


def iter_snapshot_rows(
    rows: int, *, seed: int = 0, city: City | None = None, as_of: date = DEFAULT_AS_OF
) -> Iterator[tuple[str, ...]]:
    """Yield ``rows`` DTKS rows (columns nik,kk,name,sex,birth_date,kelurahan,welfare_decile):
    first the city's DTKS members, then filler people. Deterministic for a seed."""
    emitted = 0
    if city is not None:
        for resident in city:
            if emitted >= rows:
                return
            if resident.welfare_decile is not None:
                yield dtks_row(resident)
                emitted += 1
    filler = _filler(seed, as_of)
    while emitted < rows:
        yield next(filler)
        emitted += 1


def write_snapshot_csv(
    path: Path,
    rows: int,
    *,
    seed: int = 0,
    city: City | None = None,
    as_of: date = DEFAULT_AS_OF,
) -> int:
    """Stream a snapshot of ``rows`` rows to a CSV file; return the row count."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(DTKS_COLUMNS)
        writer.writerows(iter_snapshot_rows(rows, seed=seed, city=city, as_of=as_of))
    return rows
