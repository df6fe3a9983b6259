"""How a command-line tool of jkn-daerah proves who it is to a service: an OpenID Connect
bearer token. Used by ``python -m enrollment import`` (routes wanting ``dinsos-officer`` or
``dinsos-system``) and ``python -m jkn_bus.dead_letters_cli`` (``city-operator``); the
roles are jkn_contracts.access's. Two ways to have one, as production has them:

- **a token the caller holds**: ``--token TOKEN``, else the environment's
  ``JKN_ACCESS_TOKEN`` (an officer signed in at the city's identity provider). It is sent
  as it is and cannot be renewed here: when it expires during a long import, the CLI says
  so (the import itself goes on at the service).
- **a system's own credentials** (the OAuth 2.0 client-credentials grant):
  ``JKN_OIDC_TOKEN_URL``, ``JKN_OIDC_CLIENT_ID``, ``JKN_OIDC_CLIENT_SECRET`` (optionally
  ``JKN_OIDC_SCOPE``), e.g. Dinsos's SIKS-NG, client ``dinsos-siks``. A token is fetched
  before the upload, and again shortly before it expires (or after a 401), so an import of
  any length is followed to its end.

Neither the token nor the client secret is ever printed: errors name the variable, the
identity provider's error code, or the service's reason code (TOKEN_EXPIRED, ...).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from urllib.parse import quote

import httpx

__all__ = [
    "ENV_CLIENT_ID",
    "ENV_CLIENT_SECRET",
    "ENV_SCOPE",
    "ENV_TOKEN",
    "ENV_TOKEN_URL",
    "BearerToken",
    "ClientCredentials",
    "CredentialsMissing",
    "TokenUnavailable",
    "auth_from",
    "needs_a_token",
]

ENV_TOKEN = "JKN_ACCESS_TOKEN"  # noqa: S105 - the variable's name, not a token
ENV_TOKEN_URL = "JKN_OIDC_TOKEN_URL"  # noqa: S105
ENV_CLIENT_ID = "JKN_OIDC_CLIENT_ID"
ENV_CLIENT_SECRET = "JKN_OIDC_CLIENT_SECRET"  # noqa: S105
ENV_SCOPE = "JKN_OIDC_SCOPE"

REFRESH_MARGIN_S = 60.0  # a token is renewed this long before it expires (or at half-life)
_TOKEN_TIMEOUT = httpx.Timeout(15.0)


def needs_a_token(what: str, roles: str, local_user: str) -> str:
    """What a command says when it has no way to a token: ``what`` wants one with
    ``roles``; ``local_user`` is a dev realm user holding them."""
    return (
        f"a token is needed: {what} wants a bearer token with the role {roles}.\n"
        f"  a person: --token TOKEN, or {ENV_TOKEN}=TOKEN in the environment\n"
        f"  a system (client credentials): {ENV_TOKEN_URL}, {ENV_CLIENT_ID} and "
        f"{ENV_CLIENT_SECRET}\n"
        f"  locally: {ENV_TOKEN}=$(uv run python -m jkn_devstack token {local_user})"
    )


NEEDS_A_TOKEN = needs_a_token(
    "every import route of the enrollment service", "dinsos-officer or dinsos-system", "siti.dinsos"
)


class CredentialsMissing(Exception):
    """No way to get a token was given (or only part of one): the message says what to set."""


class TokenUnavailable(Exception):
    """The identity provider gave no token: unreachable, or it refused the credentials."""


class BearerToken(httpx.Auth):
    """A token the caller already holds, sent as it is."""

    renewable = False

    def __init__(self, token: str) -> None:
        self._token = token.strip()

    def __repr__(self) -> str:
        return "BearerToken(<hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


@dataclass(frozen=True)
class _Held:
    token: str
    renew_at: float  # on ``clock``


class ClientCredentials(httpx.Auth):
    """Tokens of a system's own client (client-credentials grant), renewed before they expire.

    The client authenticates with HTTP Basic (``client_secret_basic``, which every OAuth 2.0
    server supports; id and secret form-encoded first, RFC 6749 §2.3.1). A token is kept
    until ``REFRESH_MARGIN_S`` before its ``expires_in`` ends (halfway through a shorter
    life), so each request carries one that is still valid when it arrives. A GET answered
    401 (the provider rotated its keys, say) is sent once more with a new token; an upload
    is not replayed (its body is streamed from the file).
    """

    renewable = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self._scope = scope
        self._transport = transport
        self._clock = clock
        self._held: _Held | None = None
        self._lock = threading.Lock()
        self.fetches = 0  # how many tokens were issued to this process (progress, tests)

    def __repr__(self) -> str:
        return f"ClientCredentials({self.token_url!r}, client_id={self.client_id!r})"

    def token(self) -> str:
        """A token valid for a while yet: the one held, or a new one."""
        with self._lock:
            held = self._held
            if held is None or self._clock() >= held.renew_at:
                held = self._held = self._fetch()
            return held.token

    def forget(self, token: str) -> None:
        """Drop ``token`` (the service refused it): the next request fetches another."""
        with self._lock:
            if self._held is not None and self._held.token == token:
                self._held = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and request.method == "GET":
            self.forget(token)
            request.headers["Authorization"] = f"Bearer {self.token()}"
            yield request

    def _fetch(self) -> _Held:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        basic = httpx.BasicAuth(quote(self.client_id, safe=""), quote(self._secret, safe=""))
        asked = self._clock()
        try:
            with httpx.Client(timeout=_TOKEN_TIMEOUT, transport=self._transport) as http:
                response = http.post(self.token_url, data=form, auth=basic)
        except httpx.HTTPError as exc:
            msg = f"identity provider {self.token_url} unreachable ({type(exc).__name__})"
            raise TokenUnavailable(msg) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            reason = body.get("error", "") if isinstance(body, dict) else ""
            detail = body.get("error_description", "") if isinstance(body, dict) else ""
            said = " ".join(p for p in (reason, f"({detail})" if detail else "") if p)
            msg = (
                f"no token for client {self.client_id} from {self.token_url}: "
                f"{response.status_code} {said}".rstrip()
            )
            raise TokenUnavailable(msg)
        self.fetches += 1
        lifetime = float(body.get("expires_in") or 300)
        renew_at = asked + lifetime - min(REFRESH_MARGIN_S, lifetime / 2)
        return _Held(str(body["access_token"]), renew_at)


def auth_from(
    token: str | None,
    env: Mapping[str, str] | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    needs: str = NEEDS_A_TOKEN,
) -> BearerToken | ClientCredentials:
    """The CLI's credentials: ``--token``, else ``JKN_ACCESS_TOKEN``, else the client's.

    CredentialsMissing when there are none, or only some of the client's variables."""
    env = os.environ if env is None else env
    held = token or env.get(ENV_TOKEN, "")
    if held.strip():
        return BearerToken(held)
    client = {name: env.get(name, "").strip() for name in (ENV_TOKEN_URL, ENV_CLIENT_ID)}
    secret = env.get(ENV_CLIENT_SECRET, "")
    given = [name for name, value in client.items() if value] + ([ENV_CLIENT_SECRET] * bool(secret))
    if not given:
        raise CredentialsMissing(needs)
    missing = [n for n in (ENV_TOKEN_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET) if n not in given]
    if missing:
        raise CredentialsMissing(
            f"a token is needed, and the client credentials are incomplete: "
            f"set {', '.join(missing)} too (or pass --token)"
        )
    return ClientCredentials(
        client[ENV_TOKEN_URL],
        client[ENV_CLIENT_ID],
        secret,
        scope=env.get(ENV_SCOPE) or None,
        transport=transport,
    )
