"""Who may call which HTTP route: the one policy table of every service (docs/access-policy.md).

Callers authenticate with OpenID Connect bearer tokens. A token names the caller's roles
(claim ``jkn_roles``), their agency (``jkn_agency``) and, for kelurahan operators, their
kelurahan (``jkn_kelurahan``). A route's policy maps each role allowed on it to the
*scope* of that grant:

- ``all``: the role acts on any record of the route (a Dinsos officer on any kelurahan);
- ``own_agency``: only on records of the caller's agency (a feedback agent's own queue);
- ``own_kelurahan``: only on rows of the caller's kelurahan (a kelurahan operator's findings).

Some routes take no token at all: the resident's own status questions (a receipt or access
code is their second factor, rate-limited by the service), the residents' pages that are
their face (residents-web) and ``/health``. Provider
webhooks are authenticated by the provider's signature instead of a token.

The agency is always read from the token, never from the request body. A route without
an entry here cannot be served: the app refuses to start, and the authorization matrix
test (tests/integration/auth) fails. The words of the table (roles, scopes, a ``Policy``)
are ``jkn_contracts.access_model``'s, named here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from jkn_contracts.access_model import (
    Authentication,
    Policy,
    Role,
    Scope,
    markdown_table,
)
from jkn_contracts.access_model import resident as _resident
from jkn_contracts.access_model import token as _token

__all__ = [
    "OPERATIONS",
    "POLICIES",
    "Authentication",
    "Policy",
    "Role",
    "Scope",
    "policy_for",
    "policy_table_markdown",
]


_ALL = Scope.ALL
_OWN_AGENCY = Scope.OWN_AGENCY
_OWN_KELURAHAN = Scope.OWN_KELURAHAN

OPERATIONS: Mapping[tuple[str, str], Policy] = MappingProxyType(
    {
        ("GET", "/health"): Policy("liveness for the orchestrator", {}, Authentication.NONE),
        ("GET", "/metrics"): _token("the platform's operators scrape metrics", city_operator=_ALL),
        ("GET", "/dead-letters"): _token(
            "the platform's operators list records set aside (no personal data)",
            city_operator=_ALL,
        ),
        ("GET", "/dead-letters/{dead_letter_id}"): _token(
            "the platform's operators inspect one record set aside", city_operator=_ALL
        ),
        ("POST", "/dead-letters/replay"): _token(
            "the platform's operators apply chosen records again (idempotent by event id)",
            city_operator=_ALL,
        ),
    }
)
"""Routes every service serves (``jkn_bus.http``). ``/metrics`` opens up with
``JKN_METRICS_PUBLIC=true`` where the network already confines the scraper."""

POLICIES: Mapping[tuple[str, str, str], Policy] = MappingProxyType(
    {
        # Dinas Sosial: who is proposed, who must leave.
        ("enrollment", "POST", "/proposals"): _token(
            "Dinsos proposes residents", dinsos_officer=_ALL, dinsos_system=_ALL
        ),
        ("enrollment", "GET", "/proposals/{proposal_id}"): Policy(
            "a resident asks where their proposal stands (receipt code, rate-limited)",
            {},
            Authentication.NONE,
        ),
        ("enrollment", "POST", "/proposals/status"): Policy(
            "a resident asks where their proposal stands (receipt code, birth date; rate-limited)",
            {},
            Authentication.NONE,
        ),
        ("enrollment", "POST", "/imports"): _token(
            "Dinsos proposes residents in bulk", dinsos_officer=_ALL, dinsos_system=_ALL
        ),
        ("enrollment", "POST", "/imports/{import_id}/approve"): _token(
            "a second Dinsos officer makes a previewed import's proposals (never its uploader)",
            dinsos_officer=_ALL,
        ),
        ("enrollment", "POST", "/imports/{import_id}/reject"): _token(
            "a Dinsos officer discards a previewed import", dinsos_officer=_ALL
        ),
        ("enrollment", "GET", "/imports/{import_id}"): _token(
            "Dinsos follows its imports", dinsos_officer=_ALL, dinsos_system=_ALL
        ),
        ("enrollment", "GET", "/imports/{import_id}/errors"): _token(
            "Dinsos corrects rejected lines", dinsos_officer=_ALL, dinsos_system=_ALL
        ),
        ("enrollment", "GET", "/imports/{import_id}/receipts"): _token(
            "Dinsos hands receipt codes to imported residents",
            dinsos_officer=_ALL,
            dinsos_system=_ALL,
        ),
        ("enrollment", "POST", "/residents/{participant_id}/erasure"): _token(
            "Dinsos, the controller, erases a resident's personal data (crypto-shredding)",
            dinsos_officer=_ALL,
        ),
        ("enrollment", "POST", "/residents/access"): Policy(
            "a resident asks what is held about them (receipt code, NIK, birth date; rate-limited)",
            {},
            Authentication.NONE,
        ),
        ("enrollment", "GET", "/residents/{participant_id}/access-report"): _token(
            "Dinsos exports a resident's access report for their written request",
            dinsos_officer=_ALL,
        ),
        ("enrollment", "POST", "/reconciliation/findings"): _token(
            "kelurahan findings: Dinsos for any kelurahan, an operator for their own",
            dinsos_officer=_ALL,
            kelurahan_operator=_OWN_KELURAHAN,
        ),
        ("enrollment", "POST", "/reconciliation/snapshots"): _token(
            "Dinsos loads the registry snapshot", dinsos_officer=_ALL
        ),
        ("enrollment", "GET", "/reconciliation/runs"): _token(
            "reconciliation runs", dinsos_officer=_ALL, auditor=_ALL
        ),
        ("enrollment", "GET", "/reconciliation/runs/{run_id}"): _token(
            "a run's report", dinsos_officer=_ALL, auditor=_ALL
        ),
        ("enrollment", "POST", "/reconciliation/runs/{run_id}/approve"): _token(
            "a second Dinsos officer applies a previewed run (never its uploader)",
            dinsos_officer=_ALL,
        ),
        ("enrollment", "POST", "/reconciliation/runs/{run_id}/reject"): _token(
            "a Dinsos officer discards a previewed run", dinsos_officer=_ALL
        ),
        ("enrollment", "GET", "/reconciliation/runs/{run_id}/errors"): _token(
            "a run's rejected lines", dinsos_officer=_ALL, auditor=_ALL
        ),
        ("enrollment", "GET", "/reconciliation/runs/{run_id}/candidates"): _token(
            "refill candidates of a snapshot", dinsos_officer=_ALL
        ),
        ("enrollment", "POST", "/reconciliation/runs/{run_id}/candidates/propose"): _token(
            "a Dinsos officer asks for a batch of refills (pending a second officer)",
            dinsos_officer=_ALL,
        ),
        ("enrollment", "GET", "/reconciliation/refills/{batch_id}"): _token(
            "a refill batch: its candidates and its decision", dinsos_officer=_ALL, auditor=_ALL
        ),
        ("enrollment", "POST", "/reconciliation/refills/{batch_id}/approve"): _token(
            "a second Dinsos officer proposes a refill batch's residents (never its maker)",
            dinsos_officer=_ALL,
        ),
        ("enrollment", "POST", "/reconciliation/refills/{batch_id}/reject"): _token(
            "a Dinsos officer discards a refill batch", dinsos_officer=_ALL
        ),
        # Dinas Kesehatan: verification and the budget quota.
        ("verification", "GET", "/quota"): _token(
            "the quota and its use",
            dinkes_verifier=_ALL,
            dinsos_officer=_ALL,
            auditor=_ALL,
            city_operator=_ALL,
        ),
        ("verification", "PUT", "/quota"): _token(
            "Dinkes sets the quota (a cut is pending a second verifier)", dinkes_verifier=_ALL
        ),
        ("verification", "GET", "/quota/cuts/{cut_id}"): _token(
            "a quota cut: its preview and its decision", dinkes_verifier=_ALL, auditor=_ALL
        ),
        ("verification", "POST", "/quota/cuts/{cut_id}/approve"): _token(
            "a second Dinkes verifier applies a quota cut (never its maker)",
            dinkes_verifier=_ALL,
        ),
        ("verification", "POST", "/quota/cuts/{cut_id}/reject"): _token(
            "a Dinkes verifier discards a quota cut", dinkes_verifier=_ALL
        ),
        ("verification", "GET", "/waiting-list"): _token(
            "the waiting list", dinkes_verifier=_ALL, auditor=_ALL
        ),
        ("verification", "GET", "/decisions/{participant_id}"): _token(
            "Dinkes's decisions about a resident", dinkes_verifier=_ALL, auditor=_ALL
        ),
        # The BPJS desk: BPJS's side of the city's participants.
        ("bpjs-gateway", "GET", "/participants/{participant_id}"): _token(
            "a resident's BPJS card and clinic", bpjs_desk=_ALL, auditor=_ALL
        ),
        ("bpjs-gateway", "GET", "/participants"): _token(
            "participants at BPJS", bpjs_desk=_ALL, auditor=_ALL
        ),
        ("bpjs-gateway", "POST", "/sync"): _token("the peserta sync, by hand", bpjs_desk=_ALL),
        # Notifications and the feedback channel.
        ("notifications", "GET", "/messages"): _token(
            "what a resident was told (names, card numbers): agents helping them, auditors",
            feedback_agent=_ALL,
            auditor=_ALL,
        ),
        ("notifications", "GET", "/messages/summary"): _token(
            "counts of messages", city_operator=_ALL, auditor=_ALL
        ),
        ("notifications", "POST", "/feedback"): Policy(
            "anyone may ask, complain or suggest (rate-limited)", {}, Authentication.NONE
        ),
        ("notifications", "POST", "/feedback/inbound/{channel}"): Policy(
            "SMS / WhatsApp provider webhooks", {}, Authentication.SIGNATURE
        ),
        ("notifications", "GET", "/feedback/{tracking_number}"): Policy(
            "the sender follows their item (access code, rate-limited)", {}, Authentication.NONE
        ),
        ("notifications", "GET", "/feedback"): _token(
            "an agency's queue: its own agents; auditors read every queue",
            feedback_agent=_OWN_AGENCY,
            auditor=_ALL,
        ),
        ("notifications", "POST", "/feedback/{tracking_number}/answer"): _token(
            "the agency in charge answers", feedback_agent=_OWN_AGENCY
        ),
        ("notifications", "POST", "/feedback/{tracking_number}/reroute"): _token(
            "the agency in charge hands a misrouted item on", feedback_agent=_OWN_AGENCY
        ),
        # The residents' pages (residents-web): a face of the public routes above, no data
        # of their own; codes travel in POST bodies, look-ups limited as by the APIs.
        ("residents-web", "GET", "/"): _resident("the residents' home page"),
        ("residents-web", "GET", "/bantuan"): _resident("help: who decides what, documents"),
        ("residents-web", "GET", "/static/style.css"): _resident("the pages' style sheet"),
        ("residents-web", "GET", "/cek-status"): _resident("the status form"),
        ("residents-web", "POST", "/cek-status"): _resident(
            "a resident asks where their proposal stands (receipt code, rate-limited)"
        ),
        ("residents-web", "GET", "/sampaikan"): _resident("the feedback form"),
        ("residents-web", "POST", "/sampaikan"): _resident(
            "anyone may ask, complain or suggest (anti-forgery token, rate-limited)"
        ),
        ("residents-web", "GET", "/lacak"): _resident("the tracking form"),
        ("residents-web", "POST", "/lacak"): _resident(
            "the sender follows their item (access code, rate-limited)"
        ),
        ("residents-web", "GET", "/akses-data"): _resident("the right-of-access form"),
        ("residents-web", "POST", "/akses-data"): _resident(
            "a resident asks what is held about them (code, NIK, birth date; rate-limited)"
        ),
        # The audit trail: codes and pseudonyms only.
        ("audit", "GET", "/participants/{participant_id}/history"): _token(
            "a resident's history across agencies (resident-access: enrollment answering "
            "the resident's own access request)",
            auditor=_ALL,
            dinsos_officer=_ALL,
            dinkes_verifier=_ALL,
            bpjs_desk=_ALL,
            resident_access=_ALL,
        ),
        ("audit", "GET", "/verify"): _token(
            "the hash chain's verification", auditor=_ALL, city_operator=_ALL
        ),
        ("audit", "GET", "/acts"): _token(
            "who acted: the acts of one actor or one agency, across agencies", auditor=_ALL
        ),
    }
)
"""(service, method, route template) -> policy, for every route a service serves."""


def policy_for(service: str, method: str, path: str) -> Policy | None:
    """The policy of one route of ``service`` (operations routes included), if any."""
    return POLICIES.get((service, method, path)) or OPERATIONS.get((method, path))


def policy_table_markdown() -> str:
    """The policy table as Markdown (docs/access-policy.md is generated from it)."""
    entries = [(s, m, p, pol) for (s, m, p), pol in POLICIES.items()]
    entries += [("every service", m, p, pol) for (m, p), pol in OPERATIONS.items()]
    return markdown_table(entries)
