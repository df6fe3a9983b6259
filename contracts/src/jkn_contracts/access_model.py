"""The words of the policy table (``jkn_contracts.access``): the identity provider's roles,
how far a grant reaches, how a caller proves who they are, one route's ``Policy``, and
how the table is written out as Markdown (docs/access-policy.md).

``jkn_contracts.access`` names all of them too: callers import them from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

__all__ = ["Authentication", "Policy", "Role", "Scope", "markdown_table", "resident", "token"]


class Role(StrEnum):
    """A role in the city's identity provider (realm roles; see deploy/keycloak)."""

    DINSOS_OFFICER = "dinsos-officer"  # Dinas Sosial staff: proposals, imports, reconciliation
    DINSOS_SYSTEM = "dinsos-system"  # Dinsos's welfare-data application (client credentials)
    KELURAHAN_OPERATOR = "kelurahan-operator"  # a kelurahan office: findings of its kelurahan
    DINKES_VERIFIER = "dinkes-verifier"  # Dinas Kesehatan: quota, waiting list, decisions
    BPJS_DESK = "bpjs-desk"  # the city's BPJS desk: look-ups and the peserta sync
    FEEDBACK_AGENT = "feedback-agent"  # answers the feedback channel for their own agency
    AUDITOR = "auditor"  # read-only: histories, reports, chain verification
    CITY_OPERATOR = "city-operator"  # runs the platform: metrics, health, summaries
    # enrollment's own client (client credentials): reads one resident's history from the
    # audit trail to answer that resident's access request, and nothing else
    RESIDENT_ACCESS = "resident-access"


class Scope(StrEnum):
    """How far one role's grant on a route reaches (widest first)."""

    ALL = "all"
    OWN_AGENCY = "own_agency"
    OWN_KELURAHAN = "own_kelurahan"


class Authentication(StrEnum):
    """How a route's caller proves who they are."""

    TOKEN = "token"  # an OIDC bearer token, and one of the policy's roles  # noqa: S105
    NONE = "none"  # a resident's own question or /health: no token (second factor in body)
    SIGNATURE = "signature"  # a provider webhook: HMAC signature of the provider


@dataclass(frozen=True)
class Policy:
    """The roles allowed on one route and the scope of each grant; ``why`` says whose act."""

    why: str
    grants: Mapping[Role, Scope] = field(default_factory=dict)
    authentication: Authentication = Authentication.TOKEN

    def __post_init__(self) -> None:
        object.__setattr__(self, "grants", MappingProxyType(dict(self.grants)))


def token(why: str, **grants: Scope) -> Policy:
    """A route for token holders: ``dinsos_officer=Scope.ALL`` grants ``dinsos-officer``."""
    return Policy(why, {Role(name.replace("_", "-")): scope for name, scope in grants.items()})


def resident(why: str) -> Policy:
    """A route without a token: a resident's own question (their second factor in it)."""
    return Policy(why, {}, Authentication.NONE)


def markdown_table(entries: Iterable[tuple[str, str, str, Policy]]) -> str:
    """``(service, method, route, policy)`` rows as a Markdown table, a column per role."""
    roles = list(Role)
    head = "| service | route | " + " | ".join(r.value for r in roles) + " |"
    rule = "|---|---|" + "---|" * len(roles)
    rows = [head, rule]
    for service, method, path, policy in entries:
        if policy.authentication is not Authentication.TOKEN:
            cells = [f"*{policy.authentication.value}*"] + [""] * (len(roles) - 1)
        else:
            cells = [_cell(policy.grants.get(r)) for r in roles]
        rows.append(f"| {service} | `{method} {path}` | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def _cell(scope: Scope | None) -> str:
    return {None: "", Scope.ALL: "✔", Scope.OWN_AGENCY: "own agency"}.get(scope, "own kelurahan")
