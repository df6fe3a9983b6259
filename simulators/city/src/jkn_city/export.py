"""Files the other systems load: civil registry and DTKS CSVs, the BPJS simulator's seed."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# The reference files' formats are Dinas Kesehatan's (the city writes what Dinkes loads).
from verification.domain.reference_formats import CIVIL_REGISTRY_COLUMNS, DTKS_COLUMNS

from jkn_city.model import JENIS_PESERTA, KELAS, STATUS_PESERTA, City, Resident

__all__ = [
    "CIVIL_REGISTRY_COLUMNS",
    "DTKS_COLUMNS",
    "dtks_row",
    "peserta_record",
    "write_bpjs_seed_json",
    "write_civil_registry_csv",
    "write_dtks_csv",
]


def _write_csv(path: Path, columns: Iterable[str], rows: Iterable[Iterable[object]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_civil_registry_csv(city: City, path: Path) -> int:
    """Write the civil registry (Dukcapil) extract of everyone; return the row count.

    ``alive`` is ``true``/``false``; ``death_date`` is empty for the living;
    ``domicile_city`` is the 4-digit code of where the person lives.
    """
    return _write_csv(
        path,
        CIVIL_REGISTRY_COLUMNS,
        (
            (
                r.nik,
                r.kk,
                r.name,
                r.sex,
                r.birth_date.isoformat(),
                r.kelurahan,
                r.address,
                r.domicile_city,
                "true" if r.alive else "false",
                r.death_date.isoformat() if r.death_date else "",
            )
            for r in city
        ),
    )


def dtks_row(resident: Resident) -> tuple[str, ...]:
    """One DTKS CSV row (columns :data:`DTKS_COLUMNS`)."""
    return (
        resident.nik,
        resident.kk,
        resident.name,
        resident.sex,
        resident.birth_date.isoformat(),
        resident.kelurahan,
        str(resident.welfare_decile),
    )


def write_dtks_csv(city: City, path: Path) -> int:
    """Write the DTKS/DTSEN extract (people with a decile only); return the row count."""
    return _write_csv(
        path, DTKS_COLUMNS, (dtks_row(r) for r in city if r.welfare_decile is not None)
    )


def peserta_record(resident: Resident) -> dict[str, Any]:
    """The resident's participation in the VClaim ``response.peserta`` shape."""
    cov = resident.coverage
    if cov is None:
        raise ValueError("resident has no BPJS participation")
    return {
        "noKartu": cov.no_kartu,
        "nik": resident.nik,
        "nama": resident.name.upper(),
        "sex": resident.sex,
        "tglLahir": resident.birth_date.isoformat(),
        "hakKelas": {"kode": cov.kelas, "keterangan": KELAS[cov.kelas]},
        "jenisPeserta": {"kode": cov.segment, "keterangan": JENIS_PESERTA[cov.segment]},
        "statusPeserta": {"kode": cov.status, "keterangan": STATUS_PESERTA[cov.status]},
        "provUmum": {"kdProvider": cov.kd_provider, "nmProvider": cov.nm_provider},
        "tglTMT": cov.tmt.isoformat(),
        "tglTAT": cov.tat.isoformat(),
    }


def write_bpjs_seed_json(city: City, path: Path) -> int:
    """Write every participation as a JSON list of VClaim peserta records; return the count."""
    records = [peserta_record(r) for r in city if r.coverage is not None]
    path.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(records)
