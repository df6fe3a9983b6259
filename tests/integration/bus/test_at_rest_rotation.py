"""KEK rotation of personal data at rest, against the real Postgres, with the commands an
operator runs (README: Key rotation): verification's reference registries, sealed under
the service's own data key, and a proposal's resident, sealed under the resident's key in
the keyring, are written under KEK ``old``; with ``new`` configured as current,
``python -m jkn_bus.at_rest rewrap --service verification`` and ``python -m jkn_bus.keyring
rewrap`` move every key under ``new``; status then shows ``new`` only, and the values open
with ``new`` alone: ``old`` can be dropped from configuration. No value is re-encrypted."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from jkn_bus import BusSettings
from jkn_bus.at_rest import ServiceKeys
from jkn_bus.keyring import Keyring
from jkn_bus.personal_data import LocalKeks
from jkn_city import generate_city, write_civil_registry_csv, write_dtks_csv
from jkn_contracts import Resident, participant_id_for
from verification.adapters.protection import Protection, row_key
from verification.adapters.repository import SqlRepository
from verification.app.model import Proposal, Status

pytestmark = pytest.mark.infra

OLD, NEW = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
BEFORE = {"JKN_KEKS": f"old={OLD}", "JKN_KEK_CURRENT": "old"}
DURING = {"JKN_KEKS": f"old={OLD},new={NEW}", "JKN_KEK_CURRENT": "new"}
CITY = generate_city(1571, 40)
PSEUDONYM_KEY = BusSettings(service="verification").jkn_pseudonym_key


def command(database: dict[str, str], keks: dict[str, str], *args: str) -> str:
    """``python -m <args>`` as an operator runs it with ``keks`` configured; its output."""
    env = {
        **os.environ,
        "VERIFICATION_DATABASE_URL": database["verification"],
        "ENROLLMENT_DATABASE_URL": database["enrollment"],  # the keyring's writer
        "JKN_KEK_FILE": "",
        **keks,
    }
    done = subprocess.run(  # noqa: S603 - our own commands
        [sys.executable, "-m", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def protection(keks: str) -> Protection:
    kek = LocalKeks.parse(keks)
    return Protection(Keyring(kek), ServiceKeys(kek), PSEUDONYM_KEY)


async def test_rewrap_moves_every_key_to_the_new_kek_and_values_open_without_the_old(
    database: dict[str, str], tmp_path: Path
) -> None:
    write_civil_registry_csv(CITY, tmp_path / "civil_registry.csv")
    write_dtks_csv(CITY, tmp_path / "dtks.csv")
    command(database, BEFORE, "verification", "load-reference", str(tmp_path))
    person = next(iter(CITY))
    resident = Resident(
        nik=person.nik,
        kk=person.kk,
        name=person.name,
        sex=person.sex,
        birth_date=person.birth_date,
        kelurahan=person.kelurahan,
    )
    pid = participant_id_for(person.nik, PSEUDONYM_KEY)
    enrollment = await asyncpg.connect(database["enrollment"])
    verification = await asyncpg.connect(database["verification"])
    try:
        await protection(f"old={OLD}").keyring.create(enrollment, pid)  # as Dinas Sosial
        await SqlRepository(verification, protection(f"old={OLD}")).add_proposal(
            Proposal(
                proposal_id=uuid.uuid4(),
                participant_id=pid,
                correlation_id=uuid.uuid4(),
                resident=resident,
                registered_at=datetime.now(UTC),
                status=Status.REJECTED,
            )
        )
        assert "verification: 1 data key(s) under KEK old" in command(
            database, BEFORE, "jkn_bus.at_rest", "status", "--service", "verification"
        )

        moved = command(database, DURING, "jkn_bus.at_rest", "rewrap", "--service", "verification")
        assert "re-wrapped 1 data key(s) of verification" in moved
        assert "rewrapped 1 data keys under new" in command(
            database, DURING, "jkn_bus.keyring", "rewrap"
        )
        status = command(database, DURING, "jkn_bus.at_rest", "status", "--service", "verification")
        assert status.strip() == "verification: 1 data key(s) under KEK new"
        assert command(database, DURING, "jkn_bus.keyring", "status").split() == ["new", "1"]
        assert "re-wrapped 0 data key(s)" in command(
            database, DURING, "jkn_bus.at_rest", "rewrap", "--service", "verification"
        )

        after = protection(f"new={NEW}")  # the old KEK dropped from configuration
        nik_hash = after.nik_hash(person.nik)
        row = await verification.fetchrow(
            "SELECT name_sealed, birth_date_sealed, address_sealed FROM civil_registry"
            " WHERE nik_hash = $1",
            nik_hash,
        )
        assert row is not None
        opened = await after.registry("civil_registry").open(
            verification,
            row_key(nik_hash),
            {"name": row["name_sealed"], "birth_date": row["birth_date_sealed"],
             "address": row["address_sealed"]},
        )  # fmt: skip
        assert opened == {
            "name": person.name,
            "birth_date": person.birth_date.isoformat(),
            "address": person.address,
        }
        (proposal,) = await SqlRepository(verification, after).proposals_of(pid)
        assert proposal.resident == resident
    finally:
        await enrollment.close()
        await verification.close()
