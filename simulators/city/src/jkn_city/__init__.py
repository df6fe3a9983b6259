"""A synthetic Jambi City (region 1571) for development, tests and the demo.

``generate_city(seed, size)`` makes residents with valid NIK and KK numbers, domicile,
life status, DTKS decile and BPJS coverage; the views and writers give each agency its
data (civil registry, DTKS, the BPJS simulator's seed); ``demo_batch`` builds a proposals
file whose expected outcomes are known; ``write_snapshot_csv`` streams large DTKS
snapshots. Everything is deterministic for a seed.
"""

from __future__ import annotations

from jkn_city.demo import (
    CATEGORIES,
    DEMO_COLUMNS,
    Category,
    DemoRow,
    demo_batch,
    demo_manifest,
    write_demo_csv,
    write_manifest_json,
)
from jkn_city.export import (
    CIVIL_REGISTRY_COLUMNS,
    DTKS_COLUMNS,
    peserta_record,
    write_bpjs_seed_json,
    write_civil_registry_csv,
    write_dtks_csv,
)
from jkn_city.generator import DEFAULT_AS_OF, generate_city
from jkn_city.model import City, CivilEntry, CivilRegistry, Coverage, DtksView, Resident
from jkn_city.snapshot import iter_snapshot_rows, write_snapshot_csv

__all__ = [
    "CATEGORIES",
    "CIVIL_REGISTRY_COLUMNS",
    "DEFAULT_AS_OF",
    "DEMO_COLUMNS",
    "DTKS_COLUMNS",
    "Category",
    "City",
    "CivilEntry",
    "CivilRegistry",
    "Coverage",
    "DemoRow",
    "DtksView",
    "Resident",
    "demo_batch",
    "demo_manifest",
    "generate_city",
    "iter_snapshot_rows",
    "peserta_record",
    "write_bpjs_seed_json",
    "write_civil_registry_csv",
    "write_demo_csv",
    "write_dtks_csv",
    "write_manifest_json",
    "write_snapshot_csv",
]
