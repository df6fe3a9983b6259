"""A resident's data key read once per transaction, not once per sealed field.

Why. Every sealed column or event blob a handler opens names its resident's key, and
``jkn_bus.keyring.Keyring`` read it from ``keyring.deks`` (and unwrapped it) each time: a
Postgres statement per field. ``make profile`` counted about 30 such reads per resident in
notifications and 9 in the gateway — most of their statements.

What. A transaction's owner opens ``transaction_keys()`` around it (the consumer's batch
and single-event transactions, ``ServiceRuntime.unit_of_work``); inside, the keyring
remembers what it read per resident (the key, or that it is destroyed) and answers from
that memo. Nothing is kept past the transaction: erasure is crypto-shredding, and a key
kept in a process beyond the transaction that read it would outlive its destruction.

Why it is exact. Reading the key once at the first use is what the transaction would
have seen had it read everything at that moment (READ COMMITTED: a destruction committed
meanwhile by another transaction is seen by the next transaction, as it would be had this
one been a little faster). What a transaction writes itself is never remembered: a row
this transaction created or destroyed (``created_at``/``destroyed_at`` equal to its
``now()``, see ``Keyring``) is read again each time, so a savepoint rolled back (a failed
handler in a batch, a refused import row) cannot leave a remembered key that no longer
exists; ``create`` and ``destroy`` drop the resident's memo entry as well.

Reading ahead. A transaction that knows whose keys it will need (a consumed batch's
residents, a claimed round of intents or messages) says so with ``expect``; the keyring's
first read that misses then fetches those residents' keys in the same statement
(``Keyring``), one statement per transaction instead of one per resident. That is the
same argument again: the keys read a little earlier than their first use. Only keys that
exist and are not this transaction's own are remembered from a read-ahead; a resident
with no key row yet is read again when asked for.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from jkn_bus.personal_data import Dek

__all__ = ["ERASED", "expect", "forget", "read_along", "recall", "remember", "transaction_keys"]

ERASED = None
"""What the memo holds for a resident whose key is destroyed."""


@dataclass
class _Memo:
    keys: dict[str, Dek | None] = field(default_factory=dict)
    expected: dict[str, None] = field(default_factory=dict)  # in the order expected


_MEMO: ContextVar[_Memo | None] = ContextVar("jkn_transaction_keys", default=None)


@contextlib.contextmanager
def transaction_keys() -> Iterator[None]:
    """Within: the keyring answers a resident's key from what it read earlier in here."""
    token = _MEMO.set(_Memo())
    try:
        yield
    finally:
        _MEMO.reset(token)


def recall(participant_id: str) -> tuple[bool, Dek | None]:
    """``(True, key or ERASED)`` when remembered; ``(False, None)``: read it."""
    memo = _MEMO.get()
    if memo is None or participant_id not in memo.keys:
        return False, None
    return True, memo.keys[participant_id]


def remember(participant_id: str, dek: Dek | None) -> None:
    """Keep what was read (``ERASED`` for a destroyed key), when inside a memo."""
    memo = _MEMO.get()
    if memo is not None:
        memo.keys[participant_id] = dek


def forget(participant_id: str) -> None:
    """This transaction is changing the resident's key: read it again next time."""
    memo = _MEMO.get()
    if memo is not None:
        memo.keys.pop(participant_id, None)


def expect(participant_ids: Iterable[str | None]) -> None:
    """This transaction will want these residents' keys (``None``s are skipped): the next
    read that misses fetches them too. Outside a memo, nothing."""
    memo = _MEMO.get()
    if memo is not None:
        memo.expected.update((p, None) for p in participant_ids if p is not None)


def read_along(participant_id: str) -> list[str]:
    """The residents whose keys to read with ``participant_id``'s (itself first): the
    expected ones not remembered yet. They are no longer expected afterwards."""
    memo = _MEMO.get()
    if memo is None or not memo.expected:
        return [participant_id]
    along = [p for p in memo.expected if p != participant_id and p not in memo.keys]
    memo.expected.clear()
    return [participant_id, *along]
