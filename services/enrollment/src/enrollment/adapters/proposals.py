"""The proposals table: intake (one row or a chunk), status updates and the status view."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from jkn_bus.at_rest import ResidentColumns
from jkn_bus.personal_data import Dek
from jkn_contracts import Actor

from enrollment.adapters.personal import PROPOSAL_FIELDS, open_row, proposal_values, sealed
from enrollment.app.ports import NewProposal, StatusChange
from enrollment.app.proposals import receipt_hash
from enrollment.domain import CLOSED_STATUSES, ProposalStatus, advances
from enrollment.settings import proposal_columns

__all__ = [
    "ACTOR_COLUMNS",
    "NewProposal",
    "StatusChange",
    "actor_columns",
    "actor_from",
    "apply_status",
    "existing_ids",
    "find_for_status",
    "find_personal",
    "ids_by_receipt",
    "insert_many",
    "receipt_hash",
]

_COLUMNS = (
    "proposal_id",
    "participant_id",
    "correlation_id",
    "receipt_hash",
    "sex",
    "kelurahan",
    *(sealed(f) for f in PROPOSAL_FIELDS),  # the clear columns stay NULL (migration 0010)
    "source",
    "welfare_decile",
    "proposed_by",
    "nik_warnings",
    "import_id",
    "import_line",
    "actor_id",
    "actor_agency",
    "actor_kind",
)
_TYPES = (
    "uuid",
    "text",
    "uuid",
    "bytea",
    "text",
    "text",
    *("bytea" for _ in PROPOSAL_FIELDS),
    "text",
    "int",
    "text",
    "text",
    "uuid",
    "int",
    "text",
    "text",
    "text",
)

# One statement for one row or five hundred: unnest() turns column arrays into rows.
# nik_warnings travels as one comma-joined text per row (arrays of arrays do not unnest).
_SELECTED = [c if c != "nik_warnings" else "string_to_array(nik_warnings, ',')" for c in _COLUMNS]
_ARRAYS = [f"${i}::{t}[]" for i, t in enumerate(_TYPES, start=1)]
_INSERT = (
    f"INSERT INTO proposals ({', '.join(_COLUMNS)}) SELECT {', '.join(_SELECTED)}"  # noqa: S608 - constants
    f" FROM unnest({', '.join(_ARRAYS)}) AS r({', '.join(_COLUMNS)})"
    # the predicate of the partial unique index proposals_open_participant (migration 0004)
    " ON CONFLICT (participant_id) WHERE status NOT IN ('rejected', 'refused', 'deactivated')"
    " DO NOTHING RETURNING proposal_id"
)
_CLOSED = sorted(s.value for s in CLOSED_STATUSES)


ACTOR_COLUMNS = ("actor_id", "actor_agency", "actor_kind")


def actor_columns(actor: Actor | None) -> tuple[str | None, str | None, str | None]:
    """How a row keeps who acted (columns ``ACTOR_COLUMNS``): all three, or none."""
    return (actor.id, actor.agency, actor.kind) if actor is not None else (None, None, None)


def actor_from(row: Any) -> Actor | None:
    """The actor a row kept (``actor_columns``), if any."""
    if row["actor_id"] is None:
        return None
    return Actor(id=row["actor_id"], agency=row["actor_agency"], kind=row["actor_kind"])


def _row(new: NewProposal, personal: Mapping[str, bytes | None]) -> tuple[Any, ...]:
    """The row's values, ``personal`` its sealed fields (``PROPOSAL_FIELDS``)."""
    p = new.proposal
    return (
        new.proposal_id,
        new.participant_id,
        new.correlation_id,
        receipt_hash(new.receipt_code),
        p.sex,
        p.kelurahan,
        *(personal[f] for f in PROPOSAL_FIELDS),
        p.source.value,
        p.welfare_decile,
        new.proposed_by,
        ",".join(p.nik_warnings),
        new.import_id,
        new.import_line,
        *actor_columns(new.actor),
    )


async def insert_many(
    conn: asyncpg.Connection,
    proposals: Sequence[NewProposal],
    *,
    personal: ResidentColumns | None = None,
    keys: Mapping[str, Dek] | None = None,
) -> set[uuid.UUID]:
    """Insert the proposals whose resident has no open proposal; return the ids inserted.

    Their personal fields are sealed under each resident's key (``personal``, default
    ``enrollment.settings.proposal_columns()``): ``keys``, the ones the caller created in
    this transaction (``Keyring.create_many``), else created now in one statement when
    they have none. The ParticipantRegistered sealed in the same transaction reuses it. The
    inserted rows stay locked by this transaction until it commits, which is the
    participant row lock the outbox relay's ordering relies on (jkn_bus/relay.py).
    """
    if not proposals:
        return set()
    personal = personal or proposal_columns()
    if keys is None:
        keys = await personal.keyring.create_many(conn, [p.participant_id for p in proposals])
    values = []
    for p in proposals:
        clear = proposal_values(p.proposal)
        pid = p.participant_id
        values.append(_row(p, await personal.seal(conn, pid, clear, dek=keys[pid])))
    columns = list(zip(*values, strict=True))
    rows = await conn.fetch(_INSERT, *columns)
    inserted = {r["proposal_id"] for r in rows}
    history = [p for p in proposals if p.proposal_id in inserted]
    await conn.execute(
        "INSERT INTO proposal_history (proposal_id, status, event_type, event_id, occurred_at)"
        " SELECT id, 'registered', 'ParticipantRegistered', event_id, now()"
        " FROM unnest($1::uuid[], $2::uuid[]) AS r(id, event_id)",
        [p.proposal_id for p in history],
        [p.event_id for p in history],
    )
    return inserted


async def existing_ids(
    conn: asyncpg.Connection, participant_ids: Sequence[str]
) -> dict[str, uuid.UUID]:
    """participant_id -> proposal_id of these residents' open proposals (pending or
    active; a rejected, refused or deactivated one does not stop a new proposal)."""
    rows = await conn.fetch(
        "SELECT participant_id, proposal_id FROM proposals"
        " WHERE participant_id = ANY($1::text[]) AND status <> ALL($2::text[])",
        list(participant_ids),
        _CLOSED,
    )
    return {r["participant_id"]: r["proposal_id"] for r in rows}


# One statement per status change (it was up to four: SELECT … FOR UPDATE, the history
# INSERT, the status UPDATE, the card UPDATE). ``target`` locks the proposal as before;
# ``moved`` updates it only when the status advances (``$4``: the statuses the new one is a
# later stage of, ``domain.advances``) or a card came — the same row, already locked by
# this statement; the history row is written whatever moved, and says whether a proposal
# was found. Both read ``p.status`` as the UPDATE sees it: the current row.
_APPLY_STATUS = (
    "WITH target AS (SELECT proposal_id FROM proposals WHERE participant_id = $1"
    " AND ($2::uuid IS NULL OR proposal_id = $2)"
    " ORDER BY created_at DESC, proposal_id LIMIT 1 FOR UPDATE),"
    " moved AS (UPDATE proposals p SET"
    " status = CASE WHEN p.status = ANY($4::text[]) THEN $3 ELSE p.status END,"
    " updated_at = CASE WHEN p.status = ANY($4::text[]) THEN now() ELSE p.updated_at END,"
    " reasons = CASE WHEN p.status = ANY($4::text[]) THEN COALESCE($5::jsonb, p.reasons)"
    " ELSE p.reasons END,"
    " no_kartu = CASE WHEN $6::bool THEN $7::text ELSE p.no_kartu END,"
    " kd_provider = CASE WHEN $6::bool THEN $8::text ELSE p.kd_provider END,"
    " nm_provider = CASE WHEN $6::bool THEN $9::text ELSE p.nm_provider END,"
    " effective_date = CASE WHEN $6::bool THEN $10::date ELSE p.effective_date END"
    " FROM target WHERE p.proposal_id = target.proposal_id"
    " AND (p.status = ANY($4::text[]) OR $6::bool))"
    " INSERT INTO proposal_history (proposal_id, status, event_type, event_id, occurred_at)"
    " SELECT proposal_id, $3, $11, $12, $13 FROM target RETURNING proposal_id"
)


async def apply_status(conn: asyncpg.Connection, change: StatusChange) -> bool:
    """Record the change in the history; move the status if it is a later stage.

    The event's proposal when it names one, else the participant's latest (a resident
    proposed again has earlier, closed proposals). Returns False when no such proposal
    exists here (not ours: ignore). One statement (``_APPLY_STATUS``).
    """
    later_than = [s.value for s in ProposalStatus if advances(s, change.status)]
    no_kartu, kd_provider, nm_provider, start = change.card or (None, None, None, None)
    found = await conn.fetchval(
        _APPLY_STATUS,
        change.participant_id,
        change.proposal_id,
        change.status.value,
        later_than,
        json.dumps(change.reasons) if change.reasons is not None else None,
        change.card is not None,
        no_kartu,
        kd_provider,
        nm_provider,
        start,
        change.event_type,
        change.event_id,
        change.occurred_at,
    )
    return found is not None


async def find_for_status(
    conn: asyncpg.Connection | asyncpg.Pool, proposal_id: uuid.UUID
) -> tuple[asyncpg.Record, list[asyncpg.Record]] | None:
    """The proposal's status fields and its history, or None."""
    row = await conn.fetchrow(
        "SELECT proposal_id, participant_id, receipt_hash, status, reasons, no_kartu,"
        " kd_provider, nm_provider, effective_date, created_at, updated_at"
        " FROM proposals WHERE proposal_id = $1",
        proposal_id,
    )
    if row is None:
        return None
    history = await conn.fetch(
        "SELECT status, event_type, occurred_at, recorded_at FROM proposal_history"
        " WHERE proposal_id = $1 ORDER BY id",
        proposal_id,
    )
    return row, list(history)


async def ids_by_receipt(conn: asyncpg.Connection, code: str) -> list[uuid.UUID]:
    """The proposals issued this receipt code (index of migration 0011): none or one."""
    rows = await conn.fetch(
        "SELECT proposal_id FROM proposals WHERE receipt_hash = $1", receipt_hash(code)
    )
    return [r["proposal_id"] for r in rows]


async def find_personal(
    conn: asyncpg.Connection, proposal_id: uuid.UUID, *, personal: ResidentColumns | None = None
) -> dict[str, Any] | None:
    """The proposal's personal fields in clear (``PROPOSAL_FIELDS``, ``birth_date`` a date,
    and ``sex``), opened under the resident's key; every one ``None`` once the resident was
    erased (``erased_at`` set). None when there is no such proposal."""
    row = await conn.fetchrow(
        f"SELECT participant_id, sex, erased_at, {', '.join(PROPOSAL_FIELDS)},"  # noqa: S608 - constants
        f" {', '.join(sealed(f) for f in PROPOSAL_FIELDS)} FROM proposals WHERE proposal_id = $1",
        proposal_id,
    )
    if row is None:
        return None
    if row["erased_at"] is not None:
        return {**dict.fromkeys(PROPOSAL_FIELDS), "sex": None}
    columns = personal or proposal_columns()
    values = await open_row(columns, conn, row["participant_id"], row, PROPOSAL_FIELDS)
    return {**values, "sex": row["sex"]}
