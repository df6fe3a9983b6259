"""Who talks to Kafka, and how: the admin's and each service's SASL/SCRAM credentials.

The broker's client listener takes SASL only (scripts/kafka.sh locally: SASL_PLAINTEXT on
127.0.0.1; production: SASL_SSL, deploy/). Principals:

- ``jkn-admin``, a super user: creates topics, users and ACLs (``jkn_devstack up|topics``),
  and is what tests and tools use for their raw clients. Its credential is written into the
  metadata log when the storage is formatted. Password: ``KAFKA_ADMIN_PASSWORD``.
- one user per service on the bus (contracts ``BUS_SERVICES``), its name the service name,
  allowed only what the ACLs derived from the topic catalogue allow (``jkn_devstack.acls``).
  Password: ``<SERVICE>_KAFKA_PASSWORD`` (``BPJS_GATEWAY_KAFKA_PASSWORD``, ...) where users are
  created; a service process reads its own as ``KAFKA_SASL_PASSWORD`` (``jkn_bus``).
- one user per agency system submitting on an inbound topic (contracts ``AGENCY_SYSTEMS``:
  ``dinsos-siks``, ``kelurahan-1571011001``), allowed to write its inbound topic and read its
  reply topic only. Password: ``<SYSTEM>_KAFKA_PASSWORD`` (``DINSOS_SIKS_KAFKA_PASSWORD``,
  ``KELURAHAN_1571011001_KAFKA_PASSWORD``), the agency's own system logs in with it.

Dev passwords are fixed defaults (``jkn-admin-dev``, ``<service>-dev``, ``<system>-dev``);
production sets every one of them from a Secret.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

__all__ = [
    "ADMIN_USER",
    "SCRAM_MECHANISM",
    "admin_kafka_kwargs",
    "admin_librdkafka_config",
    "admin_password",
    "aiokafka_auth",
    "librdkafka_auth",
    "security_protocol",
    "service_kafka_env",
    "service_kafka_kwargs",
    "service_password",
]

ADMIN_USER = "jkn-admin"
SCRAM_MECHANISM = "SCRAM-SHA-512"


def admin_password() -> str:
    return os.environ.get("KAFKA_ADMIN_PASSWORD", "jkn-admin-dev")


def service_password(service: str) -> str:
    """The password of a service's Kafka user, as the user is created (see module doc)."""
    env = service.replace("-", "_").upper() + "_KAFKA_PASSWORD"
    return os.environ.get(env, f"{service}-dev")


def security_protocol() -> str:
    """``SASL_PLAINTEXT`` (local broker) or ``SASL_SSL`` (production): KAFKA_SECURITY_PROTOCOL."""
    return os.environ.get("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")


def _ca_file() -> str | None:
    return os.environ.get("KAFKA_SSL_CAFILE") or None


def aiokafka_auth(username: str, password: str) -> dict[str, Any]:
    """Keyword arguments of any aiokafka client (producer, consumer, admin) for one user."""
    protocol = security_protocol()
    kwargs: dict[str, Any] = {
        "security_protocol": protocol,
        "sasl_mechanism": SCRAM_MECHANISM,
        "sasl_plain_username": username,
        "sasl_plain_password": password,
    }
    if protocol == "SASL_SSL":
        kwargs["ssl_context"] = ssl.create_default_context(cafile=_ca_file())
    return kwargs


def librdkafka_auth(username: str, password: str) -> dict[str, str]:
    """The same for librdkafka (confluent-kafka, kcat ``-X``)."""
    config = {
        "security.protocol": security_protocol(),
        "sasl.mechanisms": SCRAM_MECHANISM,
        "sasl.username": username,
        "sasl.password": password,
    }
    if (ca := _ca_file()) and security_protocol() == "SASL_SSL":
        config["ssl.ca.location"] = ca
    return config


def admin_kafka_kwargs() -> dict[str, Any]:
    """aiokafka keyword arguments of the admin: tests' and tools' raw clients use these."""
    return aiokafka_auth(ADMIN_USER, admin_password())


def admin_librdkafka_config(bootstrap: str) -> dict[str, str]:
    return {"bootstrap.servers": bootstrap, **librdkafka_auth(ADMIN_USER, admin_password())}


def service_kafka_kwargs(service: str) -> dict[str, Any]:
    """aiokafka keyword arguments of one service's own principal (tests of the ACLs)."""
    return aiokafka_auth(service, service_password(service))


def service_kafka_env(service: str) -> dict[str, str]:
    """What a service process needs to log in as itself (read by ``jkn_bus.BusSettings``)."""
    return {"KAFKA_SASL_USERNAME": service, "KAFKA_SASL_PASSWORD": service_password(service)}
