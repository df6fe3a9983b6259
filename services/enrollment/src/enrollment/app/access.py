"""A resident's right of access (UU 27/2022 PDP): what is held about them, by whom, why,
for how long, and every decision about them — one document, built here without I/O.

Who may see it. The resident proves who they are with three things only they should hold
together: the receipt code of one of their proposals, their NIK and their birth date
(:func:`authenticated`: the NIK names the resident through its pseudonym, the code and the
birth date must then belong to the same proposal). An officer of Dinas Sosial may export
the same document for a written request. Either way the document names one resident only:
the proposals Dinas Sosial holds under their pseudonym and the facts the audit trail keeps
under it.

What is in it. (a) Dinas Sosial's own record of them, in clear: they are its subject, and
where each proposal came from; (b) which agencies receive which of their fields, why and
for how long, read from ``jkn_contracts.personal.NEEDS`` and the retention settings (the
same source as the events' contents, never a second table); (c) every fact of the audit
trail about them: when, which agency, what in plain words, the decision and reason codes.
The answer is complete or not given at all: the caller refuses when the trail is not had.
"""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jkn_contracts.personal import NEEDS, PERSONAL_FIELDS

from enrollment.app.access_labels import (
    AGENCIES,
    EVENTS,
    FIELDS,
    SOURCES,
    STATUSES,
    TEXT,
    Lang,
    label,
)
from enrollment.app.proposals import receipt_hash
from enrollment.app.resident_ports import AuditFact
from enrollment.domain import FieldError

__all__ = [
    "AccessForm",
    "HeldProposal",
    "Periods",
    "access_document",
    "authenticated",
    "holders",
    "language_of",
    "read_access_form",
]

_NIK = re.compile(r"^[0-9]{16}$")
_CODE = re.compile(r"^[A-Za-z0-9]{4,32}$")


@dataclass(frozen=True)
class AccessForm:
    """A resident's access request; the three factors stay out of ``repr`` (and logs)."""

    receipt_code: str = field(repr=False)
    nik: str = field(repr=False)
    birth_date: date = field(repr=False)
    lang: Lang = "id"


def language_of(requested: object, accept_language: str | None) -> Lang:
    """``en`` when the body's ``lang`` says so, or, without one, when the caller's
    Accept-Language puts English before Indonesian; Bahasa Indonesia otherwise."""
    if isinstance(requested, str) and requested.strip().lower() in {"id", "en"}:
        return "en" if requested.strip().lower() == "en" else "id"
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("id"):
            return "id"
        if tag.startswith("en"):
            return "en"
    return "id"


def _error(name: str, rule: str, message: str) -> FieldError:
    return FieldError(name, rule, message)


def read_access_form(body: Any, accept_language: str | None) -> AccessForm | list[FieldError]:
    """The request, or every field problem (the field and the rule, never the value)."""
    if not isinstance(body, Mapping):
        msg = "The body must be a JSON object. / Isi permintaan harus berupa objek JSON."
        return [_error("body", "JSON_OBJECT", msg)]
    errors = [
        _error(name, "FIELD_UNKNOWN", "Unknown field. / Kolom tidak dikenal.")
        for name in body
        if name not in {"receipt_code", "nik", "birth_date", "lang"}
    ]
    code, nik, born = body.get("receipt_code"), body.get("nik"), body.get("birth_date")
    if not isinstance(code, str) or not _CODE.fullmatch(code.strip()):
        msg = "The receipt code is required. / Kode tanda terima wajib diisi."
        errors.append(_error("receipt_code", "REQUIRED", msg))
    if not isinstance(nik, str) or not _NIK.fullmatch(nik.strip()):
        msg = "The NIK must be 16 digits. / NIK harus 16 angka."
        errors.append(_error("nik", "NIK_FORMAT", msg))
    birth_date = None
    try:
        birth_date = date.fromisoformat(born) if isinstance(born, str) else None
    except ValueError:
        birth_date = None
    if birth_date is None:
        msg = "The birth date must be YYYY-MM-DD. / Tanggal lahir harus TTTT-BB-HH."
        errors.append(_error("birth_date", "DATE_FORMAT", msg))
    lang = body.get("lang")
    if lang is not None and lang not in ("id", "en"):  # any JSON value: a list is unhashable
        errors.append(_error("lang", "LANGUAGE", "Use id or en. / Gunakan id atau en."))
    if errors or birth_date is None or not isinstance(code, str) or not isinstance(nik, str):
        return errors
    return AccessForm(
        code.strip().upper(), nik.strip(), birth_date, language_of(lang, accept_language)
    )


@dataclass(frozen=True)
class HeldProposal:
    """One proposal of the resident as Dinas Sosial holds it (personal fields in clear)."""

    proposal_id: uuid.UUID
    receipt_hash: bytes = field(repr=False)
    status: str
    source: str
    proposed_by: str
    welfare_decile: int | None
    reasons: Sequence[Mapping[str, str]]
    card: Mapping[str, Any] | None
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None
    personal: Mapping[str, str | None] = field(repr=False)  # PERSONAL_FIELDS -> text
    birth_date: date | None = field(repr=False)


def authenticated(proposals: Sequence[HeldProposal], receipt_code: str, birth_date: date) -> bool:
    """True when one proposal of the resident (the NIK's) has this receipt code and birth
    date. Every proposal is compared, so the time taken does not tell which factor failed."""
    wanted = receipt_hash(receipt_code)
    matches = [
        hmac.compare_digest(wanted, p.receipt_hash) and p.birth_date == birth_date
        for p in proposals
    ]
    return any(matches)


@dataclass(frozen=True)
class Periods:
    """The retention settings the report quotes (``ENROLLMENT_ERASURE_AFTER_DAYS``,
    ``JKN_RETENTION_OUTBOX_DAYS``)."""

    erasure_days: int
    outbox_days: float


def _text(key: str, lang: Lang, periods: Periods) -> str:
    return label(TEXT, key, lang).format(
        erasure_days=periods.erasure_days,
        erasure_years=round(periods.erasure_days / 365),
        outbox_days=f"{periods.outbox_days:g}",
    )


def _coded(table: dict[str, tuple[str, str]], code: str, lang: Lang) -> dict[str, str]:
    return {"code": code, "label": label(table, code, lang)}


def holders(lang: Lang, periods: Periods) -> list[dict[str, Any]]:
    """Who receives which of a resident's fields, why and for how long: Dinas Sosial (the
    controller, all of them), then each consumer of ``NEEDS`` (the union over events)."""
    grouped: dict[str, tuple[set[str], list[str]]] = {}
    for need in NEEDS:
        if need.consumer == "enrollment":  # Dinas Sosial itself: listed first, below
            continue
        fields, purposes = grouped.setdefault(need.consumer, (set(), []))
        fields.update(need.fields)
        why = need.why_id if lang == "id" else need.why
        if need.fields and why not in purposes:
            purposes.append(why)
    listed = [
        {
            "service": "enrollment",
            "agency": label(AGENCIES, "enrollment", lang),
            "fields": [_coded(FIELDS, f, lang) for f in PERSONAL_FIELDS],
            "purposes": [_text("purpose_dinsos", lang, periods)],
            "kept_for": _text("kept_dinsos", lang, periods),
        }
    ]
    for service, (fields, purposes) in grouped.items():
        kept = "kept_copy" if fields else "kept_none"
        listed.append(
            {
                "service": service,
                "agency": label(AGENCIES, service, lang),
                "fields": [_coded(FIELDS, f, lang) for f in PERSONAL_FIELDS if f in fields],
                "purposes": purposes,
                "kept_for": _text(kept, lang, periods)
                + (" " + _text("kept_bpjs", lang, periods) if service == "bpjs-gateway" else ""),
            }
        )
    return listed


def _held(p: HeldProposal, lang: Lang) -> dict[str, Any]:
    return {
        "proposal_id": str(p.proposal_id),
        "status": _coded(STATUSES, p.status, lang),
        "reasons": [dict(r) for r in p.reasons],
        "source": _coded(SOURCES, p.source, lang),
        "proposed_by": p.proposed_by,
        "welfare_decile": p.welfare_decile,
        "proposed_at": p.created_at.isoformat(),
        "updated_at": p.updated_at.isoformat(),
        "erased_at": p.erased_at.isoformat() if p.erased_at else None,
        "card": dict(p.card) if p.card else None,
        "data": [
            {"field": f, "label": label(FIELDS, f, lang), "value": p.personal.get(f)}
            for f in PERSONAL_FIELDS
        ],
    }


def _decision(fact: AuditFact, lang: Lang) -> dict[str, Any]:
    by = {"person": "by_officer", "system": "by_system"}.get(fact.actor_kind or "", "by_process")
    return {
        "when": fact.when,
        "agency": _coded(AGENCIES, fact.agency, lang),
        "event_type": fact.event_type,
        "what": label(EVENTS, fact.event_type, lang),
        "decision": fact.decision,
        "reasons": list(fact.reasons),
        "acted_by": label(TEXT, by, lang)
        + (f" ({label(AGENCIES, fact.actor_agency, lang)})" if fact.actor_agency else ""),
    }


def access_document(
    *,
    participant_id: str,
    proposals: Sequence[HeldProposal],
    facts: Sequence[AuditFact],
    periods: Periods,
    lang: Lang,
    generated_at: datetime,
) -> dict[str, Any]:
    """The resident's access report (JSON-ready): complete, one resident only."""
    return {
        "title": label(TEXT, "title", lang),
        "legal_basis": label(TEXT, "legal_basis", lang),
        "language": lang,
        "participant_id": participant_id,
        "generated_at": generated_at.isoformat(),
        "complete": True,
        "held_by_dinsos": {
            "title": label(TEXT, "held_by_dinsos", lang),
            "proposals": [_held(p, lang) for p in proposals],
        },
        "holders": {"title": label(TEXT, "holders", lang), "agencies": holders(lang, periods)},
        "decisions": {
            "title": label(TEXT, "decisions", lang),
            "facts": [_decision(f, lang) for f in facts],
        },
    }
