"""Who the demo is when it calls an agency: the demo identities of the local Keycloak.

Every route but a resident's own questions and ``/health`` wants a bearer token with the
right role (jkn_contracts.access), so each call the demo, the benchmark and the end-to-end
tests make is made *as someone* — the one whose job it is:

========================  ==================  ==============================================
attribute                 identity            calls
========================  ==================  ==============================================
``importer``              ``dinsos-siks``     Dinsos's welfare-data system: the CSV import
``officer``               ``siti.dinsos``     a Dinsos officer: receipts, reconciliation
``approver``              ``yusuf.dinsos``    a second Dinsos officer: approves imports, runs
``verifier``              ``rina.dinkes``     Dinkes: quota, waiting list, decisions
``bpjs_desk``             ``agus.bpjs``       the BPJS desk: a resident's card and clinic
``agent``                 ``dewi.cs-dinsos``  a feedback agent: what a resident was told
``auditor``               ``hana.auditor``    histories, acts, the chain's verification
``operator``              ``ops.kominfo``     the platform's operator: metrics, summaries
========================  ==================  ==============================================

Each is a ``jkn_devstack.tokens.DevTokenAuth``: its token is fetched once, kept until
shortly before it expires, and fetched again after a 401.
"""

from __future__ import annotations

from dataclasses import dataclass

from jkn_devstack.tokens import DevTokenAuth, TokenError, fetch_token

__all__ = ["ROLES", "Callers", "IdentityProviderDown", "bearer_curl"]

ROLES: dict[str, str] = {
    "importer": "dinsos-siks",
    "officer": "siti.dinsos",
    "approver": "yusuf.dinsos",
    "verifier": "rina.dinkes",
    "bpjs_desk": "agus.bpjs",
    "agent": "dewi.cs-dinsos",
    "auditor": "hana.auditor",
    "operator": "ops.kominfo",
}
"""The demo's callers: attribute of :class:`Callers` -> demo identity."""


class IdentityProviderDown(RuntimeError):
    """No token to be had: the local Keycloak is not running (``make up`` starts it)."""


@dataclass(frozen=True)
class Callers:
    """An ``httpx.Auth`` per demo caller (see the module docstring for who is who)."""

    importer: DevTokenAuth
    officer: DevTokenAuth
    approver: DevTokenAuth
    verifier: DevTokenAuth
    bpjs_desk: DevTokenAuth
    agent: DevTokenAuth
    auditor: DevTokenAuth
    operator: DevTokenAuth

    @classmethod
    def demo(cls, issuer: str | None = None) -> Callers:
        """The demo identities' auths, for tokens of ``issuer`` (default: JKN_OIDC_ISSUER,
        else the local Keycloak)."""
        return cls(**{attr: DevTokenAuth(name, issuer) for attr, name in ROLES.items()})

    async def check(self) -> None:
        """Fail early, and say why, when no token can be had (before any service is used)."""
        issuer = self.importer.issuer
        try:
            await fetch_token(self.importer.name, issuer)
        except TokenError as exc:
            raise IdentityProviderDown(
                f"{exc}. Is the local Keycloak up at {issuer}? `make up` starts it "
                "(scripts/keycloak.sh)."
            ) from None


def bearer_curl(name: str) -> str:
    """The start of a curl command line carrying a fresh token of the demo identity ``name``."""
    return f'curl -H "Authorization: Bearer $(uv run python -m jkn_devstack token {name})"'
