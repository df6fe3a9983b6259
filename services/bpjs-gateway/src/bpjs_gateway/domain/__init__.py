"""The gateway's pure rules and BPJS's records of participants; no I/O here."""

from bpjs_gateway.domain.effective_dates import (
    EffectiveDateRules,
    activation_effective_date,
    deactivation_effective_date,
)
from bpjs_gateway.domain.peserta import (
    KodeKeterangan,
    Mutation,
    MutationKind,
    MutationResult,
    Peserta,
    Provider,
)
from bpjs_gateway.domain.redaction import redact_niks

__all__ = [
    "EffectiveDateRules",
    "KodeKeterangan",
    "Mutation",
    "MutationKind",
    "MutationResult",
    "Peserta",
    "Provider",
    "activation_effective_date",
    "deactivation_effective_date",
    "redact_niks",
]
