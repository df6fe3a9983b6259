"""Quarterly reconciliation with kelurahan officers (docs/domain.md#reconciliation).

A kelurahan (urban village office) reports, for a participant, one of: meninggal (dead),
pindah (moved out of the city), ganda (duplicate record), tidak_ditemukan (not found) or
mampu (no longer poor), with a reference to its evidence (a death certificate number, a
moving letter, a visit report). Each valid finding becomes a deactivation request.
Reconciliation must be repeatable: ``run_fingerprint`` recognises a file uploaded again.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from jkn_contracts import DeactivationReason
from jkn_contracts.events import DeactivationRequestedPayload
from jkn_contracts.nik import NikError, NikProblem, parse_nik

from enrollment.domain.fields import FieldError, FieldReader

__all__ = [
    "FINDING_FIELDS",
    "Finding",
    "fingerprint_lines",
    "run_fingerprint",
    "validate_finding",
]

FINDING_FIELDS = ("nik", "reason", "evidence_ref", "officer", "kelurahan")

# pindah_segmen is BPJS's finding (another segment pays), never a kelurahan's.
_REASONS = {
    r.value: r
    for r in (
        DeactivationReason.MENINGGAL,
        DeactivationReason.PINDAH,
        DeactivationReason.GANDA,
        DeactivationReason.TIDAK_DITEMUKAN,
        DeactivationReason.MAMPU,
    )
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One valid kelurahan finding. The NIK is left out of ``repr`` so it is safe to log."""

    nik: str = field(repr=False)
    reason: DeactivationReason
    evidence_ref: str
    officer: str
    kelurahan: str
    warnings: tuple[FieldError, ...] = ()

    def request_payload(self, run_id: uuid.UUID | None = None) -> DeactivationRequestedPayload:
        """The payload of the ``DeactivationRequested`` event this finding leads to."""
        return DeactivationRequestedPayload(
            reason=self.reason,
            evidence_ref=self.evidence_ref,
            reported_by=self.officer,
            kelurahan=self.kelurahan,
            run_id=run_id,
        )


def validate_finding(fields: Mapping[str, str]) -> Finding | list[FieldError]:
    """Check a findings row; return the Finding or every FieldError found.

    The NIK is checked leniently: it belongs to an existing participant, whose old NIK
    may break the date rule (the problem is kept in ``Finding.warnings``).
    """
    read = FieldReader(fields)
    read.reject_unknown(FINDING_FIELDS)
    nik = read.text("nik")
    warnings: tuple[NikProblem, ...] = ()
    if nik is not None:
        try:
            warnings = parse_nik(nik, strict=False).warnings
        except NikError as error:
            read.errors.append(FieldError.from_problem(error.problem))
    raw_reason = read.text("reason")
    reason = None
    if raw_reason is not None:
        reason = _REASONS.get("_".join(raw_reason.lower().replace("-", " ").split()))
        if reason is None:
            read.fail(
                "reason",
                "REASON_VALUE",
                "'reason' must be meninggal, pindah, ganda, tidak_ditemukan or mampu. / "
                "'reason' harus meninggal, pindah, ganda, tidak_ditemukan atau mampu.",
            )
    evidence_ref = read.text("evidence_ref", max_length=200)
    officer = read.text("officer", max_length=100)
    kelurahan = read.digits("kelurahan", 10, "KELURAHAN_FORMAT")
    if (
        read.errors
        or nik is None
        or reason is None
        or evidence_ref is None
        or officer is None
        or kelurahan is None
    ):
        return read.errors
    return Finding(
        nik=nik,
        reason=reason,
        evidence_ref=evidence_ref,
        officer=officer,
        kelurahan=kelurahan,
        warnings=tuple(FieldError.from_problem(w) for w in warnings),
    )


def run_fingerprint(content: bytes) -> str:
    """SHA-256 (hex) of a findings or snapshot file, blind to how it was saved.

    A BOM, CRLF vs LF line ends, trailing spaces and blank lines do not change the
    fingerprint, so the same file re-saved and uploaded again is recognised. Any change
    to a cell, or to the order of rows, does.
    """
    return fingerprint_lines(content.splitlines(keepends=True))


def fingerprint_lines(lines: Iterable[bytes]) -> str:
    """``run_fingerprint`` of a file read as binary lines (a file too big to hold)."""
    digest = hashlib.sha256()
    first = True
    for index, raw in enumerate(lines):
        text = raw.removeprefix(b"\xef\xbb\xbf") if index == 0 else raw
        # A lone CR ends a line too (old Mac exports): "a\rb\n" is two lines.
        for piece in text.split(b"\r"):
            line = piece.rstrip()
            if line:
                digest.update(line if first else b"\n" + line)
                first = False
    return digest.hexdigest()
