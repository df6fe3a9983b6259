"""The import CLI's credentials (jkn_bus.cli_auth), against a fake service and a
fake identity provider: which token it sends, that it renews a client's token during a long
import, what it says when it has none or one is refused, and that it never prints one.

(tests/integration/enrollment/test_imports.py runs it against the real service and Keycloak.)
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from enrollment.entrypoints import cli
from jkn_bus.cli_auth import (
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_TOKEN,
    ENV_TOKEN_URL,
    BearerToken,
    ClientCredentials,
    CredentialsMissing,
    auth_from,
)

URL = "http://enrollment.test"
TOKEN_URL = "http://sso.test/realms/jkn/protocol/openid-connect/token"  # noqa: S105
SECRET = "s3cret-of-siks"  # noqa: S105 - a fake client's
ENV_NAMES = (ENV_TOKEN, ENV_TOKEN_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class IdentityProvider:
    """Issues tok-1, tok-2, ... living ``lifetime`` seconds to the client with SECRET."""

    def __init__(self, clock: Clock, lifetime: float = 30.0) -> None:
        self.clock, self.lifetime = clock, lifetime
        self.issued: dict[str, float] = {}

    def handle(self, request: httpx.Request) -> httpx.Response:
        basic = base64.b64decode(request.headers["authorization"].removeprefix("Basic "))
        form = dict(p.split("=", 1) for p in request.content.decode().split("&"))
        if basic.decode() != f"dinsos-siks:{SECRET}" or form["grant_type"] != "client_credentials":
            return httpx.Response(
                401, json={"error": "unauthorized_client", "error_description": "Invalid client"}
            )
        token = f"tok-{len(self.issued) + 1}"
        self.issued[token] = self.clock()
        return httpx.Response(200, json={"access_token": token, "expires_in": self.lifetime})


class Service:
    """An enrollment service whose import, once approved, runs for ``polls`` progress reads,
    each ``step_s`` apart; it refuses a token it does not know or one past ``valid_s``."""

    def __init__(
        self, clock: Clock, valid: dict[str, float], *, polls: int = 3, step_s: float = 0.0
    ) -> None:
        self.clock, self.valid, self.polls, self.step_s = clock, valid, polls, step_s
        self.lifetime = 30.0
        self.tokens: list[str] = []
        self.uploaded = b""
        self.status = 401

    def handle(self, request: httpx.Request) -> httpx.Response:  # noqa: PLR0911 - one per route
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        self.tokens.append(token)
        if token not in self.valid:
            return httpx.Response(401, json={"error": "UNAUTHENTICATED", "reason": "TOKEN_INVALID"})
        if self.clock() - self.valid[token] > self.lifetime:
            return httpx.Response(401, json={"error": "UNAUTHENTICATED", "reason": "TOKEN_EXPIRED"})
        path = request.url.path
        if request.method == "POST" and path == "/imports":
            self.uploaded = request.read()
            return httpx.Response(201, json={"import_id": "imp-1", "preview": PREVIEW})
        if request.method == "POST" and path == "/imports/imp-1/approve":
            return httpx.Response(202, json={"import_id": "imp-1", "status": "running"})
        if path == "/imports/imp-1":
            self.clock.now += self.step_s
            self.polls -= 1
            return httpx.Response(200, json=_progress("running" if self.polls > 0 else "completed"))
        if path == "/imports/imp-1/errors":
            return httpx.Response(200, json={"errors": []})
        return httpx.Response(404)


PREVIEW = {
    "rows": 2, "valid": 2, "invalid": 0, "duplicates_in_file": 0, "warnings": 0,
    "invalid_by_rule": {}, "by_kelurahan": {"1571011001": 2}, "by_source": {"dtks": 2},
}  # fmt: skip


def _progress(status: str) -> dict[str, Any]:
    return {
        "status": status, "lines_read": 2, "accepted": 2, "rejected": 0, "duplicates": 0,
        "warnings": 0, "last_committed_line": 3,
    }  # fmt: skip


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "usulan.csv"
    path.write_text("nik;kk;name\n")
    return path


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def _run(csv_file: Path, auth: httpx.Auth, service: Service) -> int:
    """Upload the file as a preview, then approve it and follow it (one caller for both:
    the mock service does not check who approves; the real one does)."""
    transport = httpx.MockTransport(service.handle)
    code = cli.import_file(csv_file, url=URL, proposed_by="siks", auth=auth, transport=transport)
    if code != 0:
        return code
    return cli.decide_import(
        "imp-1", approve=True, url=URL, auth=auth, interval_s=0, transport=transport
    )


@pytest.mark.usefixtures("no_credentials")
def test_without_credentials_it_says_a_token_is_needed_and_exits_2(
    csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main([str(csv_file), "--url", "http://127.0.0.1:9"])  # nothing listens there

    assert code == 2
    err = capsys.readouterr().err
    assert "a token is needed" in err
    for name in ENV_NAMES:
        assert name in err


def test_incomplete_client_credentials_name_what_is_missing() -> None:
    with pytest.raises(CredentialsMissing, match=f"{ENV_CLIENT_SECRET}"):
        auth_from(None, {ENV_TOKEN_URL: TOKEN_URL, ENV_CLIENT_ID: "dinsos-siks"})


def test_token_option_wins_over_the_environment_and_the_client() -> None:
    env = {ENV_TOKEN: "from-env", ENV_TOKEN_URL: TOKEN_URL, ENV_CLIENT_ID: "x"}

    assert isinstance(auth_from("from-option", env), BearerToken)
    assert isinstance(auth_from(None, env), BearerToken)
    assert isinstance(
        auth_from(None, {ENV_TOKEN_URL: TOKEN_URL, ENV_CLIENT_ID: "x", ENV_CLIENT_SECRET: "y"}),
        ClientCredentials,
    )
    assert "from-option" not in repr(auth_from("from-option", env))


def test_a_held_token_is_sent_on_every_call_and_never_printed(
    csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    service = Service(clock, {"officer-token-xyz": clock.now})

    code = _run(csv_file, BearerToken("officer-token-xyz"), service)

    assert code == 0
    assert set(service.tokens) == {"officer-token-xyz"}
    assert service.uploaded == csv_file.read_bytes()
    out, err = capsys.readouterr()
    assert "completed: 2 rows read" in out
    assert "officer-token-xyz" not in out + err


def test_a_client_s_token_is_renewed_before_it_expires_during_a_long_import(
    csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    idp = IdentityProvider(clock, lifetime=30)
    service = Service(clock, idp.issued, polls=12, step_s=7)  # 84 s of import
    auth = ClientCredentials(
        TOKEN_URL, "dinsos-siks", SECRET, transport=httpx.MockTransport(idp.handle), clock=clock
    )

    code = _run(csv_file, auth, service)

    assert code == 0
    assert len(idp.issued) >= 3, "renewed as the import went on"
    assert not [t for t in service.tokens if t not in idp.issued]
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert not [t for t in idp.issued if t in out + err]


def test_a_client_the_identity_provider_refuses_uploads_nothing_and_exits_2(
    csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    idp = IdentityProvider(clock)
    service = Service(clock, idp.issued)
    auth = ClientCredentials(
        TOKEN_URL,
        "dinsos-siks",
        "not-the-secret-123",
        transport=httpx.MockTransport(idp.handle),
        clock=clock,
    )

    code = _run(csv_file, auth, service)

    assert code == 2
    assert service.tokens == [], "nothing was sent to the service"
    err = capsys.readouterr().err
    assert "no token for client dinsos-siks" in err
    assert "unauthorized_client" in err
    assert "not-the-secret-123" not in err
    assert "Invalid client" in err


def test_a_held_token_that_expires_mid_import_is_reported_with_the_import_still_running(
    csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    service = Service(clock, {"short-lived": clock.now}, polls=10, step_s=20)

    code = _run(csv_file, BearerToken("short-lived"), service)

    assert code == 2
    out, err = capsys.readouterr()
    assert "TOKEN_EXPIRED" in err
    assert "get a new token" in err
    assert f"import imp-1 goes on at the service: {URL}/imports/imp-1" in err
    assert "short-lived" not in out + err


def test_a_caller_without_an_import_role_is_told_which_roles_may(
    csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def forbidden(_: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"error": "FORBIDDEN", "reason": "ROLE_NOT_ALLOWED"})

    code = cli.import_file(
        csv_file, url=URL, proposed_by="x", auth=BearerToken("auditor-token"),
        transport=httpx.MockTransport(forbidden),
    )  # fmt: skip

    assert code == 2
    err = capsys.readouterr().err
    assert "ROLE_NOT_ALLOWED" in err
    assert "dinsos-officer or dinsos-system" in err
