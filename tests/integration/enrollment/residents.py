"""Synthetic residents of Jambi City (NIK region 157101) whose forms agree with their NIK."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

KELURAHAN = "1571011001"
COLUMNS = ("nik", "kk", "name", "sex", "birth_date", "kelurahan", "address", "phone", "email",
           "source", "welfare_decile")  # fmt: skip


def resident(n: int) -> dict[str, Any]:
    """Resident number ``n`` (distinct NIK for every n below 20,000)."""
    born = date(1950, 1, 1) + timedelta(days=n)
    female = n % 2 == 1
    day = born.day + 40 if female else born.day
    nik = f"157101{day:02d}{born.month:02d}{born.year % 100:02d}{n % 9000 + 1:04d}"
    return {
        "nik": nik,
        "kk": f"157101010120{n % 9000 + 1:04d}",
        "name": f"Warga Uji {n}",
        "sex": "P" if female else "L",
        "birth_date": born.isoformat(),
        "kelurahan": KELURAHAN,
        "address": f"Jl. Sultan Thaha No. {n}",
        "phone": f"0812{n:08d}",
        "email": "",
        "source": "dtks",
        "welfare_decile": "2",
    }


def form(n: int, **changes: Any) -> dict[str, Any]:
    """A JSON form for POST /proposals."""
    return {**resident(n), "email": None, "proposed_by": "petugas-dinsos-1", **changes}


def csv_text(rows: list[dict[str, Any]], delimiter: str = ";") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
