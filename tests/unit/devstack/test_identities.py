"""The demo identities table (jkn_devstack.identities) against what Keycloak imports
(deploy/keycloak/realm-jkn.json): neither can change without the other.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jkn_contracts.access import Role
from jkn_devstack.identities import AUDIENCE, CLI_CLIENT, IDENTITIES, REALM, ROLES, Identity, Kind

ROOT = Path(__file__).resolve().parents[3]
REALM_FILE = ROOT / "deploy" / "keycloak" / "realm-jkn.json"
SCOPE = "jkn"  # the shared client scope holding the jkn claim mappers

USERS = [i for i in IDENTITIES.values() if i.kind is Kind.USER]
CLIENTS = [i for i in IDENTITIES.values() if i.kind is Kind.CLIENT]


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REALM_FILE.read_text())
    return data


def _user(realm: dict[str, Any], username: str) -> dict[str, Any]:
    found = [u for u in realm["users"] if u["username"] == username]
    assert len(found) == 1, f"user {username} in {REALM_FILE.name}"
    user: dict[str, Any] = found[0]
    return user


def _client(realm: dict[str, Any], client_id: str) -> dict[str, Any]:
    found = [c for c in realm["clients"] if c["clientId"] == client_id]
    assert len(found) == 1, f"client {client_id} in {REALM_FILE.name}"
    client: dict[str, Any] = found[0]
    return client


def _hardcoded(client: dict[str, Any]) -> dict[str, str]:
    return {
        m["config"]["claim.name"]: m["config"]["claim.value"]
        for m in client.get("protocolMappers", [])
        if m["protocolMapper"] == "oidc-hardcoded-claim-mapper"
        and m["config"].get("access.token.claim") == "true"
    }


def test_realm_name_roles_and_token_lifespan(realm: dict[str, Any]) -> None:
    assert realm["realm"] == REALM
    assert realm["enabled"] is True
    assert realm["accessTokenLifespan"] == 900
    assert [r["name"] for r in realm["roles"]["realm"]] == list(ROLES)


def test_the_realm_roles_are_the_access_policys_roles() -> None:
    assert set(ROLES) == {r.value for r in Role}


def test_the_table_is_every_identity_of_the_realm(realm: dict[str, Any]) -> None:
    people = {u["username"] for u in realm["users"] if "serviceAccountClientId" not in u}
    systems = {c["clientId"] for c in realm["clients"] if c.get("serviceAccountsEnabled")}
    assert people == {i.name for i in USERS}
    assert systems == {i.name for i in CLIENTS}
    for who in IDENTITIES.values():
        assert set(who.roles) <= set(ROLES), who.name


@pytest.mark.parametrize("who", USERS, ids=lambda i: i.name)
def test_user(realm: dict[str, Any], who: Identity) -> None:
    user = _user(realm, who.name)
    assert user["enabled"] is True
    assert user["emailVerified"] is True
    for field in ("firstName", "lastName", "email"):  # so that no profile update is asked
        assert user[field], field
    assert user.get("requiredActions", []) == []
    assert user["credentials"] == [{"type": "password", "value": who.secret, "temporary": False}]
    assert who.secret == f"{who.name}-pw"
    assert sorted(user.get("realmRoles", [])) == sorted(who.roles)
    expected = {"jkn_agency": [who.agency]}
    if who.kelurahan is not None:
        expected["jkn_kelurahan"] = [who.kelurahan]
    assert user["attributes"] == expected


def test_the_kelurahan_operator_is_of_telanaipura() -> None:
    budi = IDENTITIES["budi.kelurahan"]
    assert budi.roles == ("kelurahan-operator",)
    assert budi.kelurahan == "1571011001"
    assert [i.name for i in IDENTITIES.values() if i.kelurahan] == ["budi.kelurahan"]


def test_one_identity_has_no_role() -> None:
    assert [i.name for i in IDENTITIES.values() if not i.roles] == ["tono.norole"]


@pytest.mark.parametrize("who", CLIENTS, ids=lambda i: i.name)
def test_service_account_client(realm: dict[str, Any], who: Identity) -> None:
    client = _client(realm, who.name)
    assert client["publicClient"] is False
    assert client["clientAuthenticatorType"] == "client-secret"
    assert client["secret"] == who.secret == f"{who.name}-dev-secret"
    assert client["serviceAccountsEnabled"] is True
    assert client["standardFlowEnabled"] is False
    assert client["directAccessGrantsEnabled"] is False
    assert _hardcoded(client) == {"jkn_agency": who.agency, "jkn_kind": "system"}
    lifespan = client.get("attributes", {}).get("access.token.lifespan")
    assert lifespan == (str(who.token_lifespan_s) if who.token_lifespan_s else None)
    account = [u for u in realm["users"] if u.get("serviceAccountClientId") == who.name]
    assert len(account) == 1
    assert sorted(account[0]["realmRoles"]) == sorted(who.roles)


def test_the_expiry_probe_lives_two_seconds() -> None:
    assert IDENTITIES["jkn-expiry-probe"].token_lifespan_s == 2


def test_users_sign_in_through_the_public_cli_client(realm: dict[str, Any]) -> None:
    cli = _client(realm, CLI_CLIENT)
    assert cli["publicClient"] is True
    assert cli["directAccessGrantsEnabled"] is True  # development only (README)
    assert cli["serviceAccountsEnabled"] is False


def test_every_client_has_the_jkn_scope_and_only_the_jkn_roles(realm: dict[str, Any]) -> None:
    mappings = {m["client"]: m["roles"] for m in realm["scopeMappings"]}
    for client in realm["clients"]:
        cid = client["clientId"]
        assert SCOPE in client["defaultClientScopes"], cid
        # jkn_roles holds only the jkn roles: never Keycloak's own default-roles-jkn,
        # offline_access or uma_authorization.
        assert client["fullScopeAllowed"] is False, cid
        assert sorted(mappings[cid]) == sorted(ROLES), cid
    assert SCOPE in realm["defaultDefaultClientScopes"]


def test_the_jkn_scope_maps_the_claims(realm: dict[str, Any]) -> None:
    (scope,) = [s for s in realm["clientScopes"] if s["name"] == SCOPE]
    mappers = {m["name"]: m for m in scope["protocolMappers"]}
    for m in mappers.values():
        assert m["config"]["access.token.claim"] == "true", m["name"]
    audience = mappers["audience jkn-api"]
    assert audience["protocolMapper"] == "oidc-audience-mapper"
    assert audience["config"]["included.custom.audience"] == AUDIENCE
    roles = mappers["jkn_roles"]
    assert roles["protocolMapper"] == "oidc-usermodel-realm-role-mapper"
    assert roles["config"]["claim.name"] == "jkn_roles"
    assert roles["config"]["multivalued"] == "true"
    # A caller without a role still gets the claim, as []: the role mapper runs after
    # hardcoded claims (Keycloak's mapper priority) and replaces it when there are roles.
    empty = mappers["jkn_roles, at least empty"]
    assert empty["protocolMapper"] == "oidc-hardcoded-claim-mapper"
    assert (empty["config"]["claim.name"], empty["config"]["claim.value"]) == ("jkn_roles", "[]")
    for claim in ("jkn_agency", "jkn_kelurahan"):
        mapper = mappers[claim]
        assert mapper["protocolMapper"] == "oidc-usermodel-attribute-mapper"
        assert mapper["config"]["user.attribute"] == mapper["config"]["claim.name"] == claim
        assert mapper["config"]["multivalued"] == "false"


def test_the_user_profile_declares_the_attributes_only_admins_edit(
    realm: dict[str, Any],
) -> None:
    (provider,) = realm["components"]["org.keycloak.userprofile.UserProfileProvider"]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    attributes = {a["name"]: a for a in profile["attributes"]}
    for name in ("jkn_agency", "jkn_kelurahan"):
        assert attributes[name]["permissions"]["edit"] == ["admin"], name
    agencies = attributes["jkn_agency"]["validations"]["options"]["options"]
    assert {i.agency for i in USERS} <= set(agencies)
    pattern = attributes["jkn_kelurahan"]["validations"]["pattern"]["pattern"]
    for who in USERS:
        if who.kelurahan is not None:
            assert re.fullmatch(pattern, who.kelurahan), who.name
