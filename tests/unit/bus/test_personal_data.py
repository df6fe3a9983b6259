"""Field-level encryption: round trip, tampering, wrong associated data, KEK rotation."""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path

import pytest
from jkn_bus.dev_secrets import DevSecretsOutsideDev, refuse_dev_secrets
from jkn_bus.personal_data import (
    DEV_KEKS,
    KekConfigError,
    LocalKeks,
    PersonalDataUnreadable,
    associated_data,
    b64d,
    b64e,
    new_dek,
    open_sealed,
    parse_kid,
    seal,
)
from jkn_bus.settings import BusSettings
from jkn_contracts import participant_id_for
from jkn_contracts.personal import Protected

PID = participant_id_for("1571010101900001", "k")
EVENT = uuid.uuid4()
AAD = associated_data(EVENT, PID, "ParticipantRegistered")
SECRET = b'{"nik":"1571010101900001","name":"Siti Aminah"}'


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_round_trip_and_the_blob_is_a_contract_protected() -> None:
    dek = new_dek(PID)
    sealed = seal(dek, SECRET, aad=AAD)
    assert isinstance(sealed, Protected)
    assert sealed.alg == "A256GCM"
    assert sealed.kid == f"{PID}.v1"
    assert parse_kid(sealed.kid) == (PID, 1)
    assert b"Siti" not in sealed.model_dump_json().encode()
    assert b"1571010101900001" not in sealed.model_dump_json().encode()
    assert open_sealed(dek, Protected.model_validate_json(sealed.model_dump_json()), aad=AAD) == (
        SECRET
    )
    # a fresh nonce each time
    assert seal(dek, SECRET, aad=AAD).nonce != sealed.nonce


def test_tampering_is_detected() -> None:
    dek = new_dek(PID)
    sealed = seal(dek, SECRET, aad=AAD)
    raw = bytearray(b64d(sealed.ciphertext))
    raw[3] ^= 0x01
    with pytest.raises(PersonalDataUnreadable):
        open_sealed(dek, sealed.model_copy(update={"ciphertext": b64e(bytes(raw))}), aad=AAD)


@pytest.mark.parametrize(
    "aad",
    [
        associated_data(uuid.uuid4(), PID, "ParticipantRegistered"),  # copied into another event
        associated_data(
            EVENT, participant_id_for("1571010101900002", "k"), "ParticipantRegistered"
        ),
        associated_data(EVENT, PID, "ParticipantVerified"),  # another event type
    ],
)
def test_wrong_associated_data_is_refused(aad: bytes) -> None:
    dek = new_dek(PID)
    with pytest.raises(PersonalDataUnreadable):
        open_sealed(dek, seal(dek, SECRET, aad=AAD), aad=aad)


def test_another_residents_key_cannot_open_it() -> None:
    sealed = seal(new_dek(PID), SECRET, aad=AAD)
    with pytest.raises(PersonalDataUnreadable):
        open_sealed(new_dek(PID), sealed, aad=AAD)


def test_keks_wrap_under_the_current_and_unwrap_under_any_listed() -> None:
    old = LocalKeks.parse(f"k1={_key()}")
    dek = new_dek(PID)
    kek_id, wrapped = old.wrap(dek.key)
    assert kek_id == "k1"
    assert dek.key not in wrapped
    rotated = LocalKeks.parse(f"k0={_key()},k1={old_spec(old)}", "k1")
    assert rotated.current_id == "k1"
    assert old.unwrap("k1", wrapped) == dek.key
    with pytest.raises(PersonalDataUnreadable):
        old.unwrap("unknown", wrapped)
    with pytest.raises(PersonalDataUnreadable):
        LocalKeks.parse(f"k1={_key()}").unwrap("k1", wrapped)  # same id, another key


def old_spec(keks: LocalKeks) -> str:
    return base64.b64encode(keks._keys["k1"]).decode()


def test_kek_configuration_from_a_file_and_errors_name_no_key(tmp_path: Path) -> None:
    path = tmp_path / "keks.json"
    key = _key()
    path.write_text(json.dumps({"current": "b", "keys": {"a": _key(), "b": key}}))
    keks = LocalKeks.from_env({"JKN_KEK_FILE": str(path)})
    assert keks.current_id == "b"
    assert keks.ids == ["a", "b"]
    assert key not in repr(keks)
    with pytest.raises(KekConfigError) as short:
        LocalKeks.parse("a=" + base64.b64encode(b"short").decode())
    assert "short" not in str(short.value).replace("'a' is not 32 bytes", "")
    with pytest.raises(KekConfigError):
        LocalKeks.parse(f"a={_key()}", "missing")
    with pytest.raises(KekConfigError):
        LocalKeks.from_env({"JKN_KEK_FILE": str(path) + ".absent"})


def test_the_dev_kek_is_refused_outside_dev() -> None:
    base = {"service": "verification", "jkn_pseudonym_key": "p" * 32, "jkn_env": "prod"}
    base |= {"database_url": "postgresql://v:strong@db/jkn", "kafka_sasl_password": "strong"}
    with pytest.raises(DevSecretsOutsideDev) as refused:
        refuse_dev_secrets(BusSettings(**base, jkn_keks=DEV_KEKS))
    assert refused.value.settings == ["JKN_KEKS"]
    refuse_dev_secrets(BusSettings(**base))  # a service that reads no personal data
    with pytest.raises(KekConfigError):  # … but one that does has no KEK outside dev
        BusSettings(**base).key_encryption_keys()
    assert BusSettings(service="x").key_encryption_keys().current_id == "dev-1"  # dev
    with pytest.raises(DevSecretsOutsideDev):  # the dev KEK next to a real one
        refuse_dev_secrets(BusSettings(**base, jkn_keks=f"{DEV_KEKS},prod-1={_key()}"))
    refuse_dev_secrets(BusSettings(**base, jkn_keks=f"prod-1={_key()}"))
    assert BusSettings(**base, jkn_keks=f"prod-1={_key()}").key_encryption_keys().current_id == (
        "prod-1"
    )
    assert "jkn_keks" not in repr(BusSettings(**base))
