"""Field-level encryption of a resident's personal data (AES-256-GCM, one key per resident).

Each resident (participant pseudonym) has a data-encryption key (DEK): 256 random bits,
kept only in the keyring (``jkn_bus.keyring``), wrapped by a key-encryption key (KEK).
A sealed value is a ``jkn_contracts.Protected``: ``{"alg": "A256GCM", "kid": "<participant>.v<n>",
"nonce": …, "ciphertext": …}`` (base64url, no padding). Its associated data binds it to
one event: the event id, the participant id and the event type (``associated_data``), so a
blob copied into another event, about another resident or of another type is refused.

KEKs come from configuration through one small port, :class:`KeyEncryptionKeys` (wrap and
unwrap a DEK under a named KEK). :class:`LocalKeks` implements it with AES key wrap
(RFC 3394) over keys read from ``JKN_KEK_FILE`` or ``JKN_KEKS``; production replaces it with
a KMS / Vault Transit client implementing the same four members, so KEKs never enter the
services' memory. Nothing here logs or raises with a plaintext, a key or an exception text.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from jkn_contracts.personal import Protected
from prometheus_client import Counter

__all__ = [
    "ALG",
    "DEV_KEKS",
    "DEV_KEK_ID",
    "ERASED",
    "ERASED_SKIPPED",
    "TAMPERED",
    "Dek",
    "KekConfigError",
    "KeyEncryptionKeys",
    "LocalKeks",
    "PersonalDataErased",
    "PersonalDataUnreadable",
    "associated_data",
    "b64d",
    "b64e",
    "kid_for",
    "new_dek",
    "open_sealed",
    "parse_kid",
    "seal",
    "skipped_erased",
]

ALG = "A256GCM"
ERASED = "ERASED"
TAMPERED = "PERSONAL_DATA_TAMPERED"
KEK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_KID = re.compile(r"^(P[0-9a-f]{24})\.v([1-9][0-9]{0,8})$")  # KID_PATTERN, with groups

DEV_KEK_ID = "dev-1"
DEV_KEKS = f"{DEV_KEK_ID}=" + base64.b64encode(b"jkn-daerah dev-only KEK, public!").decode()
"""The development KEK (``JKN_KEKS`` default). It is in this repository: outside ``dev``,
``jkn_bus.dev_secrets`` refuses to start with it."""


ERASED_SKIPPED = Counter(
    "jkn_personal_data_erased_total",
    "Events whose resident was erased (data key destroyed): their personal part skipped.",
    ["service", "event_type"],
)


def skipped_erased(log: logging.Logger, service: str, event: Any, what: str) -> None:
    """An event whose resident was erased: counted (``ERASED_SKIPPED``) and logged by its
    type, pseudonym and the code ``ERASED`` only; ``what``: what was not done."""
    ERASED_SKIPPED.labels(service, event.event_type).inc()
    log.info(
        "resident erased; %s %s (%s)",
        event.event_type,
        what,
        ERASED,
        extra={"participant_id": event.participant_id, "code": ERASED},
    )


class PersonalDataErased(Exception):
    """The resident's key is destroyed or was never there: their data was erased.

    A domain outcome (code ``ERASED``), not a failure: the handler skips the personal part.
    """

    code = ERASED


class PersonalDataUnreadable(Exception):
    """The blob fails authentication (tampered, or sealed for another event/resident)."""

    code = TAMPERED


class KekConfigError(ValueError):
    """The KEK configuration is malformed (the message names the problem, never a key)."""


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Dek:
    """A resident's data key in clear (only in memory, only while it is used)."""

    participant_id: str
    version: int
    key: bytes = field(repr=False)

    @property
    def kid(self) -> str:
        return kid_for(self.participant_id, self.version)


def kid_for(participant_id: str, version: int) -> str:
    return f"{participant_id}.v{version}"


def parse_kid(kid: str) -> tuple[str, int]:
    """``(participant_id, version)`` of a key id; ValueError when it is not one."""
    match = _KID.fullmatch(kid)
    if match is None:
        raise ValueError("not a data key id")
    return match.group(1), int(match.group(2))


def new_dek(participant_id: str, version: int = 1) -> Dek:
    """A fresh random 256-bit data key."""
    return Dek(participant_id, version, AESGCM.generate_key(bit_length=256))


def associated_data(event_id: uuid.UUID | str, participant_id: str, event_type: str) -> bytes:
    """What a blob is bound to: the event, the resident and the event type."""
    return f"jkn/{event_type}/{event_id}/{participant_id}".encode()


def seal(dek: Dek, plaintext: bytes, *, aad: bytes) -> Protected:
    """Encrypt ``plaintext`` under ``dek`` with a random 96-bit nonce."""
    nonce = secrets.token_bytes(12)
    ciphertext = AESGCM(dek.key).encrypt(nonce, plaintext, aad)
    return Protected(kid=dek.kid, nonce=b64e(nonce), ciphertext=b64e(ciphertext))


def open_sealed(dek: Dek, sealed: Protected, *, aad: bytes) -> bytes:
    """Decrypt; :class:`PersonalDataUnreadable` when the blob, its key id or ``aad`` differ."""
    if sealed.kid != dek.kid:
        raise PersonalDataUnreadable
    try:
        return AESGCM(dek.key).decrypt(b64d(sealed.nonce), b64d(sealed.ciphertext), aad)
    except (InvalidTag, ValueError, binascii.Error):
        raise PersonalDataUnreadable from None


class KeyEncryptionKeys(Protocol):
    """The port to the key-encryption keys. Implement it over a KMS or Vault Transit
    (``transit/encrypt/<key>`` / ``transit/decrypt/<key>``) in production."""

    @property
    def current_id(self) -> str:
        """The KEK new wraps use (rotation: a new id becomes current)."""
        ...

    def knows(self, kek_id: str) -> bool:
        """Whether a DEK wrapped under ``kek_id`` can be unwrapped."""
        ...

    def wrap(self, dek: bytes) -> tuple[str, bytes]:
        """``(kek_id, wrapped)`` under the current KEK."""
        ...

    def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        """The DEK; raises :class:`PersonalDataUnreadable` when it cannot."""
        ...


class LocalKeks:
    """KEKs held in the process (AES key wrap, RFC 3394), from configuration.

    ``JKN_KEK_FILE``: a JSON file ``{"current": "<id>", "keys": {"<id>": "<base64 32
    bytes>", …}}`` (a mounted Secret). Else ``JKN_KEKS``: ``id=base64,id=base64`` (the last
    one is current unless ``JKN_KEK_CURRENT`` names another). Every listed KEK unwraps, so
    services keep reading while ``python -m jkn_bus.keyring rewrap`` moves DEKs to the
    current one.
    """

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if not keys:
            raise KekConfigError("no key-encryption key configured")
        for kek_id, key in keys.items():
            if not re.fullmatch(KEK_ID_PATTERN, kek_id):
                raise KekConfigError(f"invalid KEK id {kek_id!r}")
            if len(key) != 32:
                raise KekConfigError(f"KEK {kek_id!r} is not 32 bytes")
        if current not in keys:
            raise KekConfigError(f"current KEK {current!r} is not configured")
        self._keys = dict(keys)
        self._current = current

    def __repr__(self) -> str:
        return f"LocalKeks(ids={sorted(self._keys)}, current={self._current!r})"

    @property
    def current_id(self) -> str:
        return self._current

    @property
    def ids(self) -> list[str]:
        return sorted(self._keys)

    def knows(self, kek_id: str) -> bool:
        return kek_id in self._keys

    def wrap(self, dek: bytes) -> tuple[str, bytes]:
        return self._current, aes_key_wrap(self._keys[self._current], dek)

    def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        key = self._keys.get(kek_id)
        if key is None:
            raise PersonalDataUnreadable
        try:
            return aes_key_unwrap(key, wrapped)
        except (InvalidUnwrap, ValueError):
            raise PersonalDataUnreadable from None

    @classmethod
    def parse(cls, spec: str, current: str = "") -> LocalKeks:
        """From ``id=base64,id=base64`` (last current unless ``current`` names one)."""
        keys: dict[str, bytes] = {}
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            kek_id, sep, value = item.partition("=")
            if not sep:
                raise KekConfigError("JKN_KEKS entries are id=base64")
            keys[kek_id.strip()] = _key_bytes(kek_id.strip(), value.strip())
        last = next(reversed(keys), "") if keys else ""
        return cls(keys, current or last)

    @classmethod
    def from_file(cls, path: str | Path) -> LocalKeks:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            keys = {str(k): _key_bytes(str(k), str(v)) for k, v in dict(data["keys"]).items()}
            return cls(keys, str(data["current"]))
        except (OSError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, KekConfigError):
                raise
            raise KekConfigError(f"JKN_KEK_FILE unreadable ({type(exc).__name__})") from None

    @classmethod
    def from_config(
        cls, *, kek_file: str | None = None, keks: str = DEV_KEKS, current: str = ""
    ) -> LocalKeks:
        """The file when one is named, else the ``id=base64`` list."""
        if kek_file:
            return cls.from_file(kek_file)
        return cls.parse(keks, current)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LocalKeks:
        env = os.environ if env is None else env
        return cls.from_config(
            kek_file=env.get("JKN_KEK_FILE") or None,
            keks=env.get("JKN_KEKS") or DEV_KEKS,
            current=env.get("JKN_KEK_CURRENT", ""),
        )


def _key_bytes(kek_id: str, value: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KekConfigError(f"KEK {kek_id!r} is not base64") from None
    if len(key) != 32:
        raise KekConfigError(f"KEK {kek_id!r} is not 32 bytes")
    return key
