"""The gateway's personal columns at rest (migrations 0004, 0007) and their start-up backfill.

``participants.nik`` (the *kurang* needs it in clear), BPJS's free-text messages
(``participants.bpjs_message``, ``bpjs_mutations.bpjs_message``: BPJS may quote a name)
and an intent's cause (``bpjs_intents.cause``: the event as it arrived) are sealed under
the resident's key; a resident the keyring holds no live key of (proposed
before the keyring existed) is sealed under the gateway's own key (``jkn_bus.sealed_rows``).
Look-ups stay by ``participant_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from jkn_bus.at_rest import ServiceKeys
from jkn_bus.keyring import Keyring, KeyringPort
from jkn_bus.personal_data import KeyEncryptionKeys
from jkn_bus.sealed_rows import Backfill, ClearRows, PersonalColumns

__all__ = ["SERVICE", "GatewayColumns", "backfill", "gateway_columns"]

SERVICE = "bpjs-gateway"


@dataclass(frozen=True)
class GatewayColumns:
    """The sealed columns of ``participants``, ``bpjs_mutations`` and ``bpjs_intents``."""

    participants: PersonalColumns
    mutations: PersonalColumns
    intents: PersonalColumns


def gateway_columns(keks: KeyEncryptionKeys, keyring: KeyringPort | None = None) -> GatewayColumns:
    """The gateway's columns under ``keks`` (the keyring's too, unless ``keyring`` is
    given: the one the handlers' sealer reads)."""
    ring = keyring or Keyring(keks)
    keys = ServiceKeys(keks)
    return GatewayColumns(
        PersonalColumns(ring, keys, "participants"),
        PersonalColumns(ring, keys, "bpjs_mutations"),
        PersonalColumns(ring, keys, "bpjs_intents"),
    )


def backfill(pool: asyncpg.Pool, columns: GatewayColumns) -> Backfill:
    """Seals what rows written before migration 0004 hold in clear."""
    return Backfill(
        pool,
        [
            ClearRows(
                columns.participants,
                key="participant_id",
                row_key="participant_id",
                clear=("nik", "bpjs_message"),
                participant="participant_id",
            ),
            ClearRows(
                columns.mutations,
                key="id",
                row_key="participant_id",
                clear=("bpjs_message",),
                participant="participant_id",
            ),
            ClearRows(
                columns.intents,
                key="id",
                row_key="participant_id",
                clear=("cause",),
                participant="participant_id",
            ),
        ],
        service=SERVICE,
    )
