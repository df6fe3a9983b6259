"""The Health Office's verification rules, as pure functions.

The rules and their reason codes are docs/domain.md#verification-rules. ``local_checks``
covers what the city can decide from its own data and the registries it reads (rules 1, 2,
3, 4 and 6); ``coverage_check`` covers BPJS's answer (rule 5), which arrives later, through
the gateway. Both report *every* failing rule, so a resident learns all that must be fixed
at once. Rule 7 (the quota, docs/domain.md#rule-7) is in ``quota``: it never rejects.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from jkn_contracts import RejectionReason, Resident
from jkn_contracts.nik import NikError, check_matches, parse_nik

from verification.domain.facts import (
    JENIS_PBI_APBD,
    JENIS_PBI_APBN,
    BpjsMembership,
    CivilRecord,
    DtksRecord,
)
from verification.domain.reasons import ReasonCode, deciles_phrase, indonesian, reason

__all__ = ["Policy", "coverage_check", "local_checks"]


@dataclass(frozen=True, slots=True)
class Policy:
    """A city's verification settings.

    ``city_code``: the 4-digit Kemendagri code of the city (Jambi "1571", Padang "1371").
    ``eligible_deciles``: the DTKS/DTSEN deciles the program funds (usually 1-4).
    ``strict_nik``: reject NIKs that break the birth-date rule (old NIKs do) instead of
    only noting a warning.
    """

    city_code: str
    eligible_deciles: Collection[int] = field(default=frozenset(range(1, 5)))
    strict_nik: bool = True

    def __post_init__(self) -> None:
        if not (len(self.city_code) == 4 and self.city_code.isdigit()):
            raise ValueError("city_code must be 4 digits")
        if not all(1 <= d <= 10 for d in self.eligible_deciles):
            raise ValueError("eligible deciles are between 1 and 10")
        object.__setattr__(self, "eligible_deciles", frozenset(self.eligible_deciles))


def _nik_checks(resident: Resident, policy: Policy, today: date | None) -> list[RejectionReason]:
    try:
        info = parse_nik(resident.nik, strict=policy.strict_nik, today=today)
    except NikError as error:
        return [reason(ReasonCode.NIK_INVALID, detail=indonesian(error.message))]
    mismatches = check_matches(info, resident.sex, resident.birth_date)
    if not mismatches:
        return []
    detail = " dan ".join(_FIELD_NAMES.get(m.field, m.field) for m in mismatches)
    return [reason(ReasonCode.NIK_DATA_MISMATCH, detail=detail)]


_FIELD_NAMES = {"sex": "jenis kelamin", "birth_date": "tanggal lahir"}


def local_checks(
    resident: Resident,
    *,
    civil: CivilRecord | None,
    dtks: DtksRecord | None,
    duplicate: bool,
    policy: Policy,
    today: date | None = None,
) -> list[RejectionReason]:
    """Rules 1-4 and 6 for one proposal (docs/domain.md#verification-rules); an empty list
    means they all pass.

    ``civil``/``dtks`` are None when the registry does not know the NIK; ``duplicate`` is
    True when the same NIK is already pending or active in the program. ``today`` fixes
    the NIK's century and future-date rules (default: the current date).
    """
    reasons = _nik_checks(resident, policy, today)
    if civil is None:
        reasons.append(reason(ReasonCode.NOT_IN_CIVIL_REGISTRY))
    else:
        if not civil.alive:
            reasons.append(reason(ReasonCode.DECEASED, source="data Dukcapil"))
        if civil.domicile_city_code != policy.city_code:
            reasons.append(reason(ReasonCode.NOT_CITY_RESIDENT))
    if dtks is None:
        reasons.append(reason(ReasonCode.NOT_IN_DTKS))
    elif dtks.decile not in policy.eligible_deciles:
        reasons.append(
            reason(ReasonCode.DECILE_TOO_HIGH, deciles=deciles_phrase(policy.eligible_deciles))
        )
    if duplicate:
        reasons.append(reason(ReasonCode.DUPLICATE_ENROLLMENT))
    return reasons


def coverage_check(membership: BpjsMembership | None, policy: Policy) -> list[RejectionReason]:
    """Rule 5 (docs/domain.md#rule-5): BPJS must not already cover the resident in a segment
    someone else pays.

    Only an *active* (status 0) participation blocks; an active PBI APBD one does not
    (this program's own segment: duplicates are docs/domain.md#rule-6's business). BPJS status
    2 Meninggal means the resident died. Other inactive statuses leave the way open.
    ``policy`` is accepted for symmetry with ``local_checks``; no setting applies yet.
    """
    del policy
    if membership is None:
        return []
    if membership.is_deceased:
        return [reason(ReasonCode.DECEASED, source="data BPJS Kesehatan")]
    if not membership.is_active:
        return []
    code = membership.jenis_peserta_kode.strip()
    if code == JENIS_PBI_APBN:
        return [reason(ReasonCode.ALREADY_COVERED_PBI_APBN)]
    if code == JENIS_PBI_APBD:
        return []
    segment = " ".join(membership.jenis_peserta.split()) or f"kode {code}"
    return [reason(ReasonCode.ALREADY_COVERED_OTHER_SEGMENT, segment=segment)]
