"""The demo identities of the local identity provider: ONE table, checked against the realm.

``deploy/keycloak/realm-jkn.json`` is what Keycloak imports; this table is what Python code
(tests, ``python -m jkn_devstack token NAME``, ``tokens.DevTokenAuth``) knows about the
same people and systems. ``tests/unit/devstack/test_identities.py`` fails when the two
differ, so they cannot drift apart.

Every secret here is a development secret of the local Keycloak only: a user's password is
``<username>-pw``, a client's secret ``<client>-dev-secret``. Production uses the city's
identity provider and its own credentials (deploy/keycloak/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "AUDIENCE",
    "CLI_CLIENT",
    "IDENTITIES",
    "REALM",
    "ROLES",
    "Identity",
    "Kind",
    "identity",
]

REALM = "jkn"
AUDIENCE = "jkn-api"  # every token's aud holds it (the APIs' JKN_OIDC_AUDIENCE)
CLI_CLIENT = "jkn-cli"  # the public client users get tokens through (password grant, dev only)

# The realm roles, exactly (Keycloak adds its own built-in ones, never put in jkn_roles).
ROLES: tuple[str, ...] = (
    "dinsos-officer",
    "dinsos-system",
    "kelurahan-operator",
    "dinkes-verifier",
    "bpjs-desk",
    "feedback-agent",
    "auditor",
    "city-operator",
    "resident-access",
)


class Kind(StrEnum):
    USER = "user"  # a person: password grant through jkn-cli
    CLIENT = "client"  # a system: client-credentials grant with its service account


@dataclass(frozen=True)
class Identity:
    """One demo caller and what its tokens say (claims jkn_roles, jkn_agency, jkn_kelurahan)."""

    name: str  # username, or client id
    kind: Kind
    secret: str  # the user's password, or the client's secret
    roles: tuple[str, ...]
    agency: str
    kelurahan: str | None = None  # 10-digit kelurahan code (kelurahan operators only)
    token_lifespan_s: int | None = None  # a client's own access-token lifespan, if not 900 s
    description: str = ""


def _user(
    name: str, roles: tuple[str, ...], agency: str, description: str, kelurahan: str | None = None
) -> Identity:
    return Identity(name, Kind.USER, f"{name}-pw", roles, agency, kelurahan, None, description)


def _client(
    name: str, role: str, agency: str, description: str, lifespan: int | None = None
) -> Identity:
    return Identity(
        name, Kind.CLIENT, f"{name}-dev-secret", (role,), agency, None, lifespan, description
    )


_TABLE = (
    _user("siti.dinsos", ("dinsos-officer",), "dinsos", "Dinas Sosial officer"),
    _user(
        "yusuf.dinsos",
        ("dinsos-officer",),
        "dinsos",
        "a second Dinas Sosial officer (approves reconciliation runs others upload)",
    ),
    _user(
        "budi.kelurahan",
        ("kelurahan-operator",),
        "kelurahan",
        "operator of Kelurahan Telanaipura",
        kelurahan="1571011001",
    ),
    _user("rina.dinkes", ("dinkes-verifier",), "dinkes", "Dinas Kesehatan verifier"),
    _user(
        "tari.dinkes",
        ("dinkes-verifier",),
        "dinkes",
        "a second Dinas Kesehatan verifier (approves quota cuts others ask for)",
    ),
    _user("agus.bpjs", ("bpjs-desk",), "bpjs-gateway", "the city's BPJS desk"),
    _user("dewi.cs-dinsos", ("feedback-agent",), "dinsos", "feedback agent of Dinsos"),
    _user("eko.cs-dinkes", ("feedback-agent",), "dinkes", "feedback agent of Dinkes"),
    _user("fajar.cs-bpjs", ("feedback-agent",), "bpjs-gateway", "feedback agent, BPJS desk"),
    _user("hana.auditor", ("auditor",), "inspektorat", "auditor of the Inspektorat"),
    _user("ops.kominfo", ("city-operator",), "kominfo", "platform operator (Diskominfo)"),
    _user("tono.norole", (), "kominfo", "signed in, but no jkn role at all"),
    _client("dinsos-siks", "dinsos-system", "dinsos", "Dinsos's welfare-data system (SIKS-NG)"),
    _client("prometheus", "city-operator", "kominfo", "the metrics scraper"),
    _client(
        "enrollment",
        "resident-access",
        "dinsos",
        "enrollment (Dinas Sosial) itself: reads a resident's history from the audit trail "
        "to answer their access request (ENROLLMENT_OIDC_CLIENT_SECRET)",
    ),
    _client(
        "jkn-expiry-probe",
        "auditor",
        "inspektorat",
        "tests: a real token that expires 2 s after it is issued",
        lifespan=2,
    ),
)

IDENTITIES: Mapping[str, Identity] = MappingProxyType({i.name: i for i in _TABLE})


def identity(name: str) -> Identity:
    """The demo identity called ``name``; KeyError naming the known ones otherwise."""
    try:
        return IDENTITIES[name]
    except KeyError:
        known = ", ".join(IDENTITIES)
        raise KeyError(f"no demo identity {name!r}; known: {known}") from None
