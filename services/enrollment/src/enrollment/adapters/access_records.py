"""Every proposal Dinas Sosial holds about one resident, personal fields included: what a
resident's access report shows them (``app.access``), and what their access request is
checked against (receipt code and birth date, compared in Python after loading).

The personal fields are read through ``adapters.proposals.find_personal``, which opens
them under the resident's key (they are kept sealed at rest): this module reads only the
columns that are not personal (status, source, card, times) by the resident's pseudonym.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import asyncpg
from jkn_contracts.personal import PERSONAL_FIELDS

from enrollment.adapters.proposals import find_personal
from enrollment.app.access import HeldProposal

__all__ = ["proposals_held"]

_SELECT = (
    "SELECT proposal_id, receipt_hash, status, source, proposed_by, welfare_decile, reasons,"
    " no_kartu, kd_provider, nm_provider, effective_date, created_at, updated_at, erased_at,"
    " sex, kelurahan FROM proposals WHERE participant_id = $1 ORDER BY created_at, proposal_id"
)


def _text(value: Any) -> str | None:
    """A personal field as the report shows it: text, a date in ISO form; blank: None."""
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


async def _held(conn: asyncpg.Connection, row: asyncpg.Record) -> HeldProposal:
    opened = await find_personal(conn, row["proposal_id"]) or {}
    values = {**opened, "sex": row["sex"], "kelurahan": row["kelurahan"]}
    if row["erased_at"] is not None:  # erased: nothing personal is left, whatever a column says
        values = {}
    card = None
    if row["no_kartu"] is not None:
        card = {
            "no_kartu": row["no_kartu"],
            "clinic": {"code": row["kd_provider"], "name": row["nm_provider"]},
            "effective_date": row["effective_date"].isoformat(),
        }
    born = values.get("birth_date")
    return HeldProposal(
        proposal_id=row["proposal_id"],
        receipt_hash=bytes(row["receipt_hash"]),
        status=row["status"],
        source=row["source"],
        proposed_by=row["proposed_by"],
        welfare_decile=row["welfare_decile"],
        reasons=json.loads(row["reasons"]) if row["reasons"] else [],
        card=card,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        erased_at=row["erased_at"],
        personal={f: _text(values.get(f)) for f in PERSONAL_FIELDS},
        birth_date=born if isinstance(born, date) else None,
    )


async def proposals_held(conn: asyncpg.Connection, participant_id: str) -> list[HeldProposal]:
    """The resident's proposals, oldest first (none: ``[]``); call it in a transaction, so
    that they are read as of one moment."""
    rows = await conn.fetch(_SELECT, participant_id)
    return [await _held(conn, r) for r in rows]
