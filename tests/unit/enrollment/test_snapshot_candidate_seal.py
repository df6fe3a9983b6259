"""Refill candidates sealed a batch at a time (jkn_bus.at_rest_batch).

Specification: ``BatchSealer`` writes what ``jkn_bus.at_rest.ServiceColumns.seal`` writes, so
``ServiceColumns.open`` (every reader of a candidate) opens each value under its own row
key, and under no other row's or column's; ``None`` stays ``None``; every value has its
own nonce; the key is the service's current one. The snapshot's parse seals a candidate's
NIK, KK, name and birth date as the candidate's row keeps them, one value from which each
field comes back exactly (``candidate_record``), so a staging record holds none of them in
clear and Postgres copies them to the candidate unchanged.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from enrollment.adapters.personal import (
    candidate_fields,
    candidate_record,
    open_candidate,
)
from enrollment.adapters.snapshots import STAGING_COLUMNS, candidate_sealer
from enrollment.app.snapshot_file import SnapshotParse
from hypothesis import given
from hypothesis import strategies as st
from jkn_bus.at_rest import ServiceColumns, ServiceKeys
from jkn_bus.at_rest_batch import BatchSealer
from jkn_bus.personal_data import DEV_KEKS, LocalKeks, PersonalDataUnreadable

FIELDS = ("nik", "kk", "name", "birth_date")
ROWS = [
    {"nik": "1571014501900001", "kk": "1571010101200001", "name": "Siti Aminah",
     "birth_date": "1990-01-05"},
    {"nik": "1571010501900002", "kk": "1571010101200002", "name": "Budi",
     "birth_date": "1990-01-05"},
    {"nik": "1571010501900003", "kk": None, "name": "Ani Ñ", "birth_date": "1985-12-31"},
]  # fmt: skip
KEYS = ["run-1/P1", "run-1/P2", "run-1/P3"]
NO_CONNECTION = cast(Any, None)  # the key is known: no statement is run


def seal_rows(
    keys: list[str], rows: list[dict[str, str | None]], fields: Any, version: int = 3
) -> list[list[bytes | None]]:
    """Each field's sealed values, row by row, by one BatchSealer under the service key
    ``version`` (what ``columns`` holds)."""
    seal_row = BatchSealer("candidates", version, KEY).row_sealer(fields)
    by_row = [seal_row(key, [row[f] for f in fields]) for key, row in zip(keys, rows, strict=True)]
    return [[r[i] for r in by_row] for i in range(len(fields))]


KEY = AESGCM.generate_key(bit_length=256)


def columns(version: int = 3) -> ServiceColumns:
    """The candidates' columns as their readers open them, the service key ``version`` being
    ``KEY``."""
    keys = ServiceKeys(LocalKeks.parse(DEV_KEKS), _clear={version: KEY})
    return ServiceColumns(keys, "candidates")


async def test_every_value_opens_with_the_service_columns_reader_under_its_row_key() -> None:
    personal = columns()

    sealed = seal_rows(KEYS, ROWS, FIELDS)

    assert len(sealed) == len(FIELDS)
    for i, (key, row) in enumerate(zip(KEYS, ROWS, strict=True)):
        blobs = {f: sealed[n][i] for n, f in enumerate(FIELDS)}
        assert await personal.open(NO_CONNECTION, key, blobs) == row
        assert blobs["name"] is not None
        assert row["name"].encode() not in blobs["name"]  # sealed, not in clear
        assert blobs["name"][:5] == bytes([2, 0, 0, 0, 3])  # SERVICE, key version 3


async def test_a_value_does_not_open_under_another_row_or_column() -> None:
    personal = columns()
    sealed = seal_rows(KEYS, ROWS, FIELDS)

    with pytest.raises(PersonalDataUnreadable):
        await personal.open(NO_CONNECTION, KEYS[1], {"nik": sealed[0][0]})
    with pytest.raises(PersonalDataUnreadable):
        await personal.open(NO_CONNECTION, KEYS[0], {"kk": sealed[0][0]})


async def test_what_the_service_columns_seal_and_the_batch_seal_agree_but_for_the_nonce() -> None:
    personal = columns()
    [[batch]] = seal_rows(KEYS[:1], ROWS[:1], ["name"])
    single = (await personal.seal(NO_CONNECTION, KEYS[0], {"name": ROWS[0]["name"]}))["name"]

    assert batch is not None
    assert single is not None
    assert len(batch) == len(single)
    assert batch[:5] == single[:5]
    assert await personal.open(NO_CONNECTION, KEYS[0], {"name": batch}) == {"name": "Siti Aminah"}


def test_none_stays_none_and_no_two_values_share_a_nonce() -> None:
    sealed = seal_rows(KEYS, ROWS, FIELDS)

    assert sealed[1][2] is None
    nonces = [blob[5:17] for column in sealed for blob in column if blob is not None]
    assert len(nonces) == 11
    assert len(set(nonces)) == len(nonces)


# ---- the parse seals a candidate's fields as its row keeps them ---------------------------

SNAPSHOT = [
    "nik,kk,name,sex,birth_date,kelurahan,welfare_decile",
    "1571014501900001,1571010101200001,Siti Aminah,P,1990-01-05,1571011001,3",
    "1571010501900002,1571010101200002,Budi Santoso,L,1985-12-31,1571011001,7",
]


CLEAR = (b"1571014501900001", b"1571010501900002", b"1571010101200001", b"1571010101200002",
         b"Siti", b"Budi", b"1990-01-05", b"1985-12-31")  # fmt: skip


async def test_a_staging_record_holds_no_personal_field_in_clear_and_opens_as_its_candidate(
    tmp_path: Path,
) -> None:
    personal, run_id = columns(), uuid.uuid4()
    path = tmp_path / "snapshot.csv"
    path.write_text("\n".join(SNAPSHOT) + "\n", "utf-8")
    seal = await candidate_sealer(cast(Any, NO_CONNECTION), run_id, personal)
    parse = SnapshotParse(path, "pseudonym-key", max_errors=10, eligible=(1, 2, 3, 4), seal=seal)

    siti, budi = [dict(zip(STAGING_COLUMNS, r, strict=True)) async for r in parse.records()]

    for record in (siti, budi):
        stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in record.values())
        for clear in CLEAR:
            assert clear not in stored
    # Siti (decile 3) is a candidate: her row opens under her own run and pseudonym
    assert await open_candidate(personal, NO_CONNECTION, {**siti, "run_id": run_id}) == {
        "nik": "1571014501900001",
        "kk": "1571010101200001",
        "name": "Siti Aminah",
        "birth_date": date(1990, 1, 5),
    }
    with pytest.raises(PersonalDataUnreadable):
        await open_candidate(personal, NO_CONNECTION, {**siti, "run_id": uuid.uuid4()})
    # Budi (decile 7) is not: nothing of his is kept beyond pseudonym, sex, kelurahan, decile
    assert budi["personal_sealed"] is None
    assert (budi["sex"], budi["kelurahan"], budi["welfare_decile"]) == ("L", "1571011001", 7)


# ---- a candidate's four fields as the one value sealed for them ---------------------------


@given(
    nik=st.text(alphabet="0123456789", min_size=16, max_size=16),
    kk=st.text(alphabet="0123456789", min_size=16, max_size=16),
    name=st.text(min_size=2, max_size=200),  # any character, separators and digits included
    born=st.dates(),
)
def test_a_candidate_record_gives_back_exactly_its_four_fields(
    nik: str, kk: str, name: str, born: date
) -> None:
    if born.year < 1000:  # an ISO date of fewer than four year digits is not 10 characters
        born = born.replace(year=born.year + 1000)

    record = candidate_record(nik, kk, name, born.isoformat())

    assert candidate_fields(record) == {"nik": nik, "kk": kk, "name": name, "birth_date": born}


@pytest.mark.parametrize(
    ("nik", "kk", "birth_date", "field"),
    [
        ("157101450190001", "1571010101200001", "1990-01-05", "nik"),
        ("1571014501900001", "15710101012000011", "1990-01-05", "kk"),
        ("1571014501900001", "1571010101200001", "1990-1-5", "birth_date"),
    ],
)
def test_a_field_not_of_its_width_is_refused_rather_than_misread(
    nik: str, kk: str, birth_date: str, field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        candidate_record(nik, kk, "Siti Aminah", birth_date)
