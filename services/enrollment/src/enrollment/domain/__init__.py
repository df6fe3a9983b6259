"""Dinas Sosial's domain: proposals of residents, CSV imports and reconciliation findings.

Pure Python: no I/O. Dinas Sosial (the city Social Service) decides who is proposed for
the city-paid program and who must leave it.
"""

from enrollment.domain.csv_import import HeaderError, Row, iter_rows, outcome_of
from enrollment.domain.fields import FieldError
from enrollment.domain.findings import FINDING_FIELDS, Finding, run_fingerprint, validate_finding
from enrollment.domain.import_report import ImportReport, LineError
from enrollment.domain.proposal import ALL_FIELDS, REQUIRED_FIELDS, Proposal, validate_proposal
from enrollment.domain.status import CLOSED_STATUSES, ProposalStatus, advances

__all__ = [
    "ALL_FIELDS",
    "CLOSED_STATUSES",
    "FINDING_FIELDS",
    "REQUIRED_FIELDS",
    "FieldError",
    "Finding",
    "HeaderError",
    "ImportReport",
    "LineError",
    "Proposal",
    "ProposalStatus",
    "Row",
    "advances",
    "iter_rows",
    "outcome_of",
    "run_fingerprint",
    "validate_finding",
    "validate_proposal",
]
