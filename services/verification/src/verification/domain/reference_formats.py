"""The formats of the reference files Dinas Kesehatan loads (``python -m verification
load-reference``): the civil registry's export (Disdukcapil) and the DTKS export. Dinkes owns
them: the registries' exports must match them, and the synthetic city (``jkn_city``) writes
its files in them, never the reverse.

``civil_registry.csv``: one row per resident, ``alive`` ``true``/``false`` with a
``death_date`` only for the dead, ``domicile_city`` the 4-digit Kemendagri code of the city
they live in (docs/domain.md#verification-rules). ``dtks.csv``: one row per household member
in the social-welfare registry, with the household's ``welfare_decile`` (1 = poorest).
"""

from __future__ import annotations

__all__ = ["CIVIL_REGISTRY_COLUMNS", "DTKS_COLUMNS"]

CIVIL_REGISTRY_COLUMNS = (
    "nik",
    "kk",
    "name",
    "sex",
    "birth_date",
    "kelurahan",
    "address",
    "domicile_city",
    "alive",
    "death_date",
)
DTKS_COLUMNS = ("nik", "kk", "name", "sex", "birth_date", "kelurahan", "welfare_decile")
