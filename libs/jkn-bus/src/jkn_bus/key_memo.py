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
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from jkn_bus.personal_data import Dek

__all__ = ["ERASED", "forget", "recall", "remember", "transaction_keys"]

ERASED = None
"""What the memo holds for a resident whose key is destroyed."""

_MEMO: ContextVar[dict[str, Dek | None] | None] = ContextVar("jkn_transaction_keys", default=None)


@contextlib.contextmanager
def transaction_keys() -> Iterator[None]:
    """Within: the keyring answers a resident's key from what it read earlier in here."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def recall(participant_id: str) -> tuple[bool, Dek | None]:
    """``(True, key or ERASED)`` when remembered; ``(False, None)``: read it."""
    memo = _MEMO.get()
    if memo is None or participant_id not in memo:
        return False, None
    return True, memo[participant_id]


def remember(participant_id: str, dek: Dek | None) -> None:
    """Keep what was read (``ERASED`` for a destroyed key), when inside a memo."""
    memo = _MEMO.get()
    if memo is not None:
        memo[participant_id] = dek


def forget(participant_id: str) -> None:
    """This transaction is changing the resident's key: read it again next time."""
    memo = _MEMO.get()
    if memo is not None:
        memo.pop(participant_id, None)
