"""A demo batch of proposals: a mix of residents the Health Office must accept or reject.

Each row has a *category*, the outcome verification should reach
(docs/domain.md#verification-rules):

- ``eligible``: resident, alive, DTKS decile 1-4, no BPJS participation; there are more
  of them than the suggested quota, so the last ones wait on the waiting list;
- ``covered_pbi_apbn`` / ``covered_ppu``: otherwise eligible but already active at BPJS;
- ``bad_nik``: malformed NIK, or a sex / birth date that disagrees with the NIK;
- ``non_resident``: lives outside the city (the form still names a city kelurahan);
- ``dead``: the civil registry records a death;
- ``not_in_dtks``: alive resident unknown to DTKS.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from bpjs_bridging.codes import JENIS_PBI_APBN, JENIS_PPU
from jkn_contracts import participant_id_for

from jkn_city.model import City, Resident
from jkn_city.regions import CITY_CODE, KELURAHAN

__all__ = [
    "CATEGORIES",
    "DEMO_COLUMNS",
    "Category",
    "DemoRow",
    "demo_batch",
    "demo_manifest",
    "write_demo_csv",
    "write_manifest_json",
]

Category = Literal[
    "eligible",
    "covered_pbi_apbn",
    "covered_ppu",
    "bad_nik",
    "non_resident",
    "dead",
    "not_in_dtks",
]
CATEGORIES: tuple[Category, ...] = (
    "eligible",
    "covered_pbi_apbn",
    "covered_ppu",
    "bad_nik",
    "non_resident",
    "dead",
    "not_in_dtks",
)
DEMO_COLUMNS = ("nik", "kk", "name", "sex", "birth_date", "kelurahan", "address", "phone", "source")


@dataclass(frozen=True)
class DemoRow:
    """One proposal row (columns :data:`DEMO_COLUMNS`) and the outcome it should get."""

    nik: str
    kk: str
    name: str
    sex: str
    birth_date: str
    kelurahan: str
    address: str
    phone: str
    source: str
    category: Category
    variant: str  # which way the row is wrong (e.g. "sex_mismatch"), or the category


def _poor(r: Resident) -> bool:
    return r.welfare_decile is not None and r.welfare_decile <= 4


def _resident(r: Resident) -> bool:
    return r.domicile_city == CITY_CODE and r.alive


_PICKERS: dict[Category, Callable[[Resident], bool]] = {
    "eligible": lambda r: _resident(r) and _poor(r) and r.coverage is None,
    "covered_pbi_apbn": lambda r: (
        _resident(r)
        and _poor(r)
        and r.coverage is not None
        and r.coverage.segment == JENIS_PBI_APBN
        and r.coverage.active
    ),
    "covered_ppu": lambda r: (
        _resident(r)
        and _poor(r)
        and r.coverage is not None
        and r.coverage.segment == JENIS_PPU
        and r.coverage.active
    ),
    "bad_nik": lambda r: _resident(r) and _poor(r) and r.coverage is None,
    "non_resident": lambda r: (
        r.domicile_city != CITY_CODE and r.alive and _poor(r) and r.coverage is None
    ),
    "dead": lambda r: (
        r.domicile_city == CITY_CODE
        and not r.alive
        and _poor(r)
        and (r.coverage is None or not r.coverage.active)
    ),
    "not_in_dtks": lambda r: _resident(r) and r.welfare_decile is None and r.coverage is None,
}

# Ways a NIK row can be wrong: the first four break the NIK itself, the last two disagree
# with the sex or birth date on the form.
_BAD_NIK_VARIANTS = (
    "too_short",
    "bad_province",
    "bad_birth_date",
    "serial_0000",
    "sex_mismatch",
    "birth_date_mismatch",
)


def _row(r: Resident, category: Category, variant: str, rng: random.Random) -> DemoRow:
    row = DemoRow(
        nik=r.nik,
        kk=r.kk,
        name=r.name,
        sex=r.sex,
        birth_date=r.birth_date.isoformat(),
        kelurahan=r.kelurahan,
        address=r.address,
        phone=r.phone or "",
        source="dtks" if r.welfare_decile is not None else "walk_in",
        category=category,
        variant=variant,
    )
    if category == "non_resident":  # the form claims a city address; Dukcapil knows better
        kel = rng.choice(KELURAHAN)
        return replace(
            row,
            kelurahan=kel.code,
            address=f"{r.address.split(',')[0]}, {kel.name}",
            source="kelurahan",
        )
    if category != "bad_nik":
        return row
    nik = r.nik
    bad = {
        "too_short": replace(row, nik=nik[:15]),
        "bad_province": replace(row, nik="99" + nik[2:]),
        "bad_birth_date": replace(row, nik=nik[:6] + "3102" + nik[10:]),
        "serial_0000": replace(row, nik=nik[:12] + "0000"),
        "sex_mismatch": replace(row, sex="L" if r.sex == "P" else "P"),
        "birth_date_mismatch": replace(
            row, birth_date=(r.birth_date + timedelta(days=3)).isoformat()
        ),
    }
    return bad[variant]


def demo_batch(
    city: City,
    n_eligible: int = 20,
    *,
    n_each: int = 3,
    n_bad_nik: int = len(_BAD_NIK_VARIANTS),
    seed: int = 0,
) -> list[DemoRow]:
    """A shuffled batch: ``n_eligible`` eligible rows, ``n_each`` of every other category
    and ``n_bad_nik`` bad-NIK rows (cycling through the kinds of bad NIK).

    Every row is a different person. Raises ``ValueError`` when the city is too small to
    supply a category (generate a larger city).
    """
    rng = random.Random(f"{city.seed}:{seed}")  # noqa: S311 - synthetic data, not security
    wanted: dict[Category, int] = {c: n_each for c in CATEGORIES}
    wanted["eligible"], wanted["bad_nik"] = n_eligible, n_bad_nik
    used: set[str] = set()
    rows: list[DemoRow] = []
    for category in CATEGORIES:
        pool = [r for r in city if _PICKERS[category](r) and r.nik not in used]
        if len(pool) < wanted[category]:
            raise ValueError(f"the city has too few {category} residents: generate a larger one")
        for i, person in enumerate(rng.sample(pool, wanted[category])):
            used.add(person.nik)
            variant = _BAD_NIK_VARIANTS[i % len(_BAD_NIK_VARIANTS)]
            rows.append(_row(person, category, variant if category == "bad_nik" else category, rng))
    rng.shuffle(rows)
    return rows


def write_demo_csv(rows: Sequence[DemoRow], path: Path) -> int:
    """Write the proposals CSV (columns :data:`DEMO_COLUMNS`); return the row count."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(DEMO_COLUMNS)
        for row in rows:
            writer.writerow(asdict(row)[c] for c in DEMO_COLUMNS)
    return len(rows)


def demo_manifest(
    rows: Sequence[DemoRow], *, pseudonym_key: str, quota: int | None = None
) -> dict[str, Any]:
    """What each demo row should come to, keyed by pseudonym (never the NIK).

    ``quota`` suggests a quota smaller than the eligible rows (default: two thirds of
    them), so that ``eligible - quota`` proposals end on the waiting list.
    """
    counts = Counter(row.category for row in rows)
    quota = max(1, counts["eligible"] * 2 // 3) if quota is None else quota
    return {
        "pseudonym": "participant_id = jkn_contracts.participant_id_for(nik, pseudonym key)",
        "quota": quota,
        "expected_waitlisted": max(0, counts["eligible"] - quota),
        "counts": {c: counts[c] for c in CATEGORIES},
        "rows": [
            {
                "row": i,
                "participant_id": participant_id_for(row.nik, pseudonym_key),
                "category": row.category,
                "variant": row.variant,
            }
            for i, row in enumerate(rows, start=1)
        ],
    }


def write_manifest_json(manifest: dict[str, Any], path: Path) -> None:
    """Write a manifest as sorted, indented JSON."""
    path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
