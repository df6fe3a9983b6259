"""Kafka users and ACLs from the topic catalogue: the bus enforces who says what.

One source: ``jkn_contracts.topics``. For every service on the bus (``BUS_SERVICES``), with
principal ``User:<service>``:

- WRITE and DESCRIBE on the topic(s) of the agency it publishes for (``PUBLISHERS``), and on
  its own dead-letter topic ``jkn.dlq.<service>`` (READ too: operators replay from it);
- READ and DESCRIBE on the topics it consumes (``CONSUMERS``);
- READ on its consumer group, the service's name under the prefix
  (``BusSettings.consumer_group``);
- the service owning an inbound topic (``INBOUND``): READ on it (it is in ``CONSUMERS``) and
  WRITE on its reply topic.

And for every agency system (``AGENCY_SYSTEMS``: ``dinsos-siks``, ``kelurahan-1571011001``),
principal ``User:<system>``: WRITE and DESCRIBE on its inbound topic only, READ and DESCRIBE
on its reply topic only, READ on its own consumer group (the system's name under the
prefix). It may not read any fact topic, nor write anything else.

Nothing else: the broker runs ``allow.everyone.if.no.acl.found=false``. The ACLs are
LITERAL, one set per prefix (tests and benches isolate themselves under ``t1a2b.`` and the
like, staging beside production under its own), topics and consumer groups alike: two
stacks on one broker never share a group, so stopping one's consumer never rebalances the
other's, and a service under test runs under its own principal exactly as in production.
``delete_for_prefix`` removes a prefix's ACLs with its topics (never the unprefixed ones).

Admin operations go through confluent-kafka (AlterUserScramCredentials, Create/Describe/
DeleteAcls: aiokafka's admin has no ACL calls). Both ``ensure_*`` are idempotent and cost
one describe round trip when nothing is missing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from jkn_contracts.topics import (
    AGENCY_SYSTEMS,
    BUS_SERVICES,
    CONSUMERS,
    INBOUND,
    dead_letter_topic,
    topics_written_by,
)

from jkn_devstack.credentials import admin_librdkafka_config, service_password

__all__ = [
    "PRINCIPALS",
    "Grant",
    "delete_for_prefix",
    "ensure_acls",
    "ensure_users",
    "topic_acl_names",
    "wanted_grants",
]

SCRAM_ITERATIONS = 8192

# every SCRAM user the catalogue names: the services on the bus, then the agency systems
PRINCIPALS: tuple[str, ...] = (*BUS_SERVICES, *AGENCY_SYSTEMS)


@dataclass(frozen=True, order=True)
class Grant:
    """One ALLOW ACL: ``principal`` may ``operation`` on ``resource`` (TOPIC or GROUP) ``name``."""

    principal: str
    resource: str
    name: str
    operation: str

    def binding(self) -> AclBinding:
        return AclBinding(
            ResourceType[self.resource],
            self.name,
            ResourcePatternType.LITERAL,
            self.principal,
            "*",
            AclOperation[self.operation],
            AclPermissionType.ALLOW,
        )


def _system_grants(system: str, prefix: str) -> set[Grant]:
    """An agency system: WRITE its inbound topic(s), READ its reply topic(s)."""
    principal = f"User:{system}"
    grants: set[Grant] = set()
    for spec in INBOUND:
        if spec.writer == system:
            grants |= {
                Grant(principal, "TOPIC", prefix + spec.name, op) for op in ("WRITE", "DESCRIBE")
            }
            reply = prefix + spec.reply_topic
            grants |= {Grant(principal, "TOPIC", reply, op) for op in ("READ", "DESCRIBE")}
    return grants


def _topic_grants(service: str, prefix: str) -> set[Grant]:
    if service in AGENCY_SYSTEMS:
        return _system_grants(service, prefix)
    principal = f"User:{service}"
    grants: set[Grant] = set()
    writes = [prefix + t for t in topics_written_by(service)]
    if service in CONSUMERS:
        writes.append(dead_letter_topic(service, prefix))
        # its operators replay from it (jkn_bus.dead_letters): read back, with no group
        grants.add(Grant(principal, "TOPIC", dead_letter_topic(service, prefix), "READ"))
    for topic in writes:
        grants |= {Grant(principal, "TOPIC", topic, op) for op in ("WRITE", "DESCRIBE")}
    for topic in CONSUMERS.get(service, ()):
        grants |= {Grant(principal, "TOPIC", prefix + topic, op) for op in ("READ", "DESCRIBE")}
    return grants


def _group_grants(service: str, prefix: str) -> set[Grant]:
    if service not in CONSUMERS and service not in AGENCY_SYSTEMS:
        return set()
    return {Grant(f"User:{service}", "GROUP", prefix + service, "READ")}


def wanted_grants(prefix: str = "") -> set[Grant]:
    """Every ACL the services and agency systems need for the topics and consumer groups
    under ``prefix``."""
    grants: set[Grant] = set()
    for service in PRINCIPALS:
        grants |= _topic_grants(service, prefix) | _group_grants(service, prefix)
    return grants


def _admin(bootstrap: str, timeout_s: float) -> AdminClient:
    return AdminClient(
        {
            **admin_librdkafka_config(bootstrap),
            "client.id": "jkn-devstack",
            "socket.timeout.ms": int(timeout_s * 1000),
            "log_level": 4,  # warnings and errors, not the info lines of a closing client
        }
    )


async def _wait(future: concurrent.futures.Future[Any]) -> Any:
    return await asyncio.wrap_future(future)


async def _wait_all(futures: Iterable[concurrent.futures.Future[Any]]) -> None:
    await asyncio.gather(*(_wait(f) for f in futures))


def _as_grant(binding: AclBinding) -> Grant | None:
    if (
        binding.permission_type != AclPermissionType.ALLOW
        or binding.resource_pattern_type != ResourcePatternType.LITERAL
        or binding.host != "*"
    ):
        return None
    return Grant(binding.principal, binding.restype.name, binding.name, binding.operation.name)


async def _existing_grants(admin: AdminClient, timeout_s: float) -> set[Grant]:
    everything = AclBindingFilter(
        ResourceType.ANY,
        None,
        ResourcePatternType.ANY,
        None,
        None,
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    bindings = await _wait(admin.describe_acls(everything, request_timeout=timeout_s))
    return {g for b in bindings if (g := _as_grant(b)) is not None}


async def topic_acl_names(bootstrap: str, *, timeout_s: float = 30.0) -> set[str]:
    """The names of the topics that have an ALLOW ACL (``prune-topics`` sweeps orphans)."""
    grants = await _existing_grants(_admin(bootstrap, timeout_s), timeout_s)
    return {g.name for g in grants if g.resource == "TOPIC"}


async def ensure_users(
    bootstrap: str, *, reset_passwords: bool = False, timeout_s: float = 30.0
) -> list[str]:
    """A SCRAM-SHA-512 user per service on the bus and per agency system (``PRINCIPALS``);
    returns the users created or reset.

    Missing users are created. ``reset_passwords`` (``jkn_devstack up|topics``) also sets the
    existing ones from the environment, so that changing a Secret and re-running the setup
    job rotates a password.
    """
    admin = _admin(bootstrap, timeout_s)
    described = await _wait(admin.describe_user_scram_credentials(request_timeout=timeout_s))
    have = {
        user
        for user, description in described.items()
        if any(
            info.mechanism == ScramMechanism.SCRAM_SHA_512
            for info in description.scram_credential_infos
        )
    }
    users = [s for s in PRINCIPALS if reset_passwords or s not in have]
    if users:
        info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
        upserts = [
            UserScramCredentialUpsertion(user, info, service_password(user).encode())
            for user in users
        ]
        futures = admin.alter_user_scram_credentials(upserts, request_timeout=timeout_s)
        await _wait_all(futures.values())
    return users


async def ensure_acls(bootstrap: str, prefix: str = "", *, timeout_s: float = 30.0) -> int:
    """Create the missing ACLs for the topics under ``prefix``; returns how many were added."""
    admin = _admin(bootstrap, timeout_s)
    wanted = wanted_grants(prefix)
    missing = sorted(wanted - await _existing_grants(admin, timeout_s))
    if missing:
        futures = admin.create_acls([g.binding() for g in missing], request_timeout=timeout_s)
        await _wait_all(futures.values())
        # The controller has committed them; the broker's authorizer applies them a moment
        # later. Callers start services right away: return once the broker enforces them.
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not wanted <= await _existing_grants(admin, timeout_s):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"ACLs of prefix {prefix!r} not in force after {timeout_s}s")
            await asyncio.sleep(0.05)
    return len(missing)


async def delete_for_prefix(
    bootstrap: str, prefixes: Iterable[str], *, timeout_s: float = 30.0
) -> int:
    """Delete the topic and group ACLs under each prefix (never the unprefixed ones)."""
    doomed: set[Grant] = set()
    for prefix in prefixes:
        if not prefix:
            raise ValueError("refusing to delete the unprefixed (production) ACLs")
        doomed |= wanted_grants(prefix)
    if not doomed:
        return 0
    admin = _admin(bootstrap, timeout_s)
    present = doomed & await _existing_grants(admin, timeout_s)
    if present:
        filters = [
            AclBindingFilter(
                ResourceType[g.resource],
                g.name,
                ResourcePatternType.LITERAL,
                g.principal,
                "*",
                AclOperation[g.operation],
                AclPermissionType.ALLOW,
            )
            for g in sorted(present)
        ]
        for start in range(0, len(filters), 500):
            futures = admin.delete_acls(filters[start : start + 500], request_timeout=timeout_s)
            await _wait_all(futures.values())
        # as for creation: return once the broker no longer applies them
        deadline = asyncio.get_running_loop().time() + timeout_s
        while present & await _existing_grants(admin, timeout_s):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"deleted ACLs still in force after {timeout_s}s")
            await asyncio.sleep(0.05)
    return len(present)
