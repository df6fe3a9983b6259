"""What field encryption costs per resident, in CPU, in this process (``make bench``).

One resident's journey seals and opens their personal fields at fixed points (see
contracts/personal-data.md and the README's "Personal data"); this replays exactly those
operations with the project's own code, for many synthetic residents:

- on the bus: Dinas Sosial seals ParticipantRegistered; Dinkes opens it and seals
  CoverageCheckRequested and ParticipantVerified; notifications opens Registered and
  Verified; the gateway opens CoverageCheckRequested and Verified — 3 seals, 5 opens
  (``jkn_bus.keyring.Sealer``, AES-256-GCM);
- the resident's data key: created and wrapped once (AES key wrap under the KEK), then
  unwrapped at every keyring read (8 reads: each seal and open reads it);
- at rest (``jkn_bus.at_rest.ResidentColumns``): enrollment's 7 personal columns, Dinkes's
  resident record, the gateway's NIK, notifications' 4 contact columns and the subject and
  body of the resident's 3 messages — each row sealed once and opened once (one keyring
  read per row sealed or opened).

The **baseline** does the same work without encryption, as the services did before: the
same personal fields validated and serialised to JSON for each event and parsed by each
consumer, and the same column values written and read as text. Both run interleaved in
rounds on the same residents, so drift of the machine falls on both alike; CPU is
``time.process_time``. The keyring's Postgres round trip is I/O, not counted here.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from jkn_bus.at_rest import ResidentColumns
from jkn_bus.keyring import MemoryKeyring, Sealer
from jkn_bus.personal_data import (
    DEV_KEKS,
    Dek,
    LocalKeks,
    associated_data,
    kid_for,
    open_sealed,
    parse_kid,
)
from jkn_contracts import (
    CoverageCheckRequested,
    EventBase,
    ParticipantRegistered,
    ParticipantVerified,
    participant_id_for,
)
from pydantic import BaseModel

__all__ = ["field_encryption_cost"]

_ROUNDS = 5
_CONN: Any = None  # the keyring here takes no connection: its Postgres round trip is not CPU
_OPENED_BY = {ParticipantRegistered: 2, CoverageCheckRequested: 1, ParticipantVerified: 2}
_MESSAGES = 3  # registered, verified, activated: one message each
_AT_REST = {
    "proposals": ("nik", "kk", "name", "birth_date", "address", "phone", "email"),
    "verification_proposals": ("resident",),
    "participants": ("nik",),
    "contacts": ("name", "sex", "phone", "email"),
    **{f"messages_{n}": ("subject", "body") for n in range(_MESSAGES)},
}


class _WrappingKeyring(MemoryKeyring):
    """The Postgres keyring's CPU work without its round trip: keys kept wrapped under the
    KEK, unwrapped at every read."""

    def __init__(self, keks: LocalKeks) -> None:
        super().__init__()
        self._keks = keks
        self._wrapped: dict[str, tuple[int, str, bytes]] = {}

    async def create(self, conn: Any, participant_id: str) -> Dek:
        if participant_id in self._wrapped:
            return await self.current(conn, participant_id)
        dek = self.create_now(participant_id)
        self._wrapped[participant_id] = (dek.version, *self._keks.wrap(dek.key))
        return dek

    async def get(self, conn: Any, kid: str) -> Dek:
        participant_id, version = parse_kid(kid)
        _, kek_id, wrapped = self._wrapped[participant_id]
        return Dek(participant_id, version, self._keks.unwrap(kek_id, wrapped))

    async def current(self, conn: Any, participant_id: str) -> Dek:
        return await self.get(conn, kid_for(participant_id, self._wrapped[participant_id][0]))


def _resident(i: int) -> dict[str, Any]:
    nik = f"157101{41 + i % 28:02d}0{1 + i % 9}90{i % 10000:04d}"
    return {
        "nik": nik,
        "kk": f"1571010101{i % 1000000:06d}",
        "name": f"Warga Bench {i}",
        "sex": "P" if i % 2 else "L",
        "birth_date": date(1990, 1 + i % 12, 1 + i % 28),
        "kelurahan": "1571011001",
        "address": f"Jl. Bench No. {i}",
        "phone": f"+628123{i % 1000000:06d}",
        "email": None,
    }


async def _encrypted(sealer: Sealer, person: dict[str, Any], pid: str) -> None:
    for event, consumers in _OPENED_BY.items():
        event_id, blob = await sealer.seal(
            _CONN, event, pid, person, create=event is ParticipantRegistered
        )
        sealed: type[BaseModel] = event.sealed  # type: ignore[attr-defined]
        aad = associated_data(event_id, pid, _event_type(event))
        for _ in range(consumers):
            dek = await sealer.keyring.get(_CONN, blob.kid)
            sealed.model_validate_json(open_sealed(dek, blob, aad=aad))
    for table, columns in _AT_REST.items():
        store = ResidentColumns(sealer.keyring, table)
        values = {c: _value(person, c) for c in columns}
        await store.open(_CONN, pid, await store.seal(_CONN, pid, values))


def _clear(person: dict[str, Any]) -> int:
    written = 0
    for event, consumers in _OPENED_BY.items():
        sealed: type[BaseModel] = event.sealed  # type: ignore[attr-defined]
        plain = sealed.model_validate({k: person.get(k) for k in sealed.model_fields})
        body = plain.model_dump_json().encode()
        written += len(body)
        for _ in range(consumers):
            sealed.model_validate_json(body)
    for columns in _AT_REST.values():
        values = {c: _value(person, c) for c in columns}
        written += sum(len(v.encode()) for v in values.values() if v is not None)
    return written


def _value(person: dict[str, Any], column: str) -> str | None:
    if column == "resident":
        return _text(person)
    if column in ("subject", "body"):
        return f"Yth. Ibu {person['name']}, usulan JKN Anda diterima."
    return _text(person.get(column))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return repr(sorted(value.items()))
    return value.isoformat() if isinstance(value, date) else str(value)


def _event_type(event: type[EventBase]) -> str:
    return str(event.model_fields["event_type"].default)


async def field_encryption_cost(residents: int = 2_000) -> dict[str, Any]:
    """CPU µs per resident with field encryption and without (the baseline), their ratio,
    and the number of cryptographic operations per resident that were timed."""
    people = [_resident(i) for i in range(residents)]
    pids = [participant_id_for(p["nik"], "bench-pseudonym-key") for p in people]
    encrypted_s = clear_s = 0.0
    for _ in range(_ROUNDS):
        sealer = Sealer(_WrappingKeyring(LocalKeks.parse(DEV_KEKS)))
        started = time.process_time()
        for person, pid in zip(people, pids, strict=True):
            await _encrypted(sealer, person, pid)
        encrypted_s += time.process_time() - started
        started = time.process_time()
        for person in people:
            _clear(person)
        clear_s += time.process_time() - started
    per = 1e6 / (residents * _ROUNDS)
    encrypted_us, clear_us = encrypted_s * per, clear_s * per
    return {
        "residents": residents,
        "encrypted_us": encrypted_us,
        "clear_us": clear_us,
        "extra_us": encrypted_us - clear_us,
        "ratio": encrypted_us / clear_us,
        "event_seals": len(_OPENED_BY),
        "event_opens": sum(_OPENED_BY.values()),
        "columns_at_rest": sum(len(c) for c in _AT_REST.values()),
    }
