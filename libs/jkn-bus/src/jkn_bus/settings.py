"""Settings shared by every service, read from environment variables.

Defaults point at the local stack that ``make up`` starts; production sets the variables
(see deploy/). Each service has its own database URL variable, named after the service:
``ENROLLMENT_DATABASE_URL``, ``VERIFICATION_DATABASE_URL``, ``BPJS_GATEWAY_DATABASE_URL``,
``NOTIFICATIONS_DATABASE_URL``.

Consumer group membership: a process with ``CONSUMER_INSTANCE_ID`` is a *static* member of
its group (Kafka's KIP-345). Restarted after a crash under the same id, it takes back its
partitions at once, where a new dynamic member waits for the broker to expire the dead one
(the session timeout, 10 s) and for the group to rebalance. The cost: a static member that
stops does not leave the group, so when a replica is removed for good its partitions wait
out the session timeout before the others take them. Two processes of one service must
never share an id (the broker fences the older one); deploy/ sets the pod's name.

Kafka: every client logs in as the service's own principal (``kafka_login()``): user
``KAFKA_SASL_USERNAME`` (default: the service name), password ``KAFKA_SASL_PASSWORD``
(default ``<service>-dev``, the local stack's; production takes it from a Secret).
"""

from __future__ import annotations

import os

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from jkn_bus.kafka_login import KafkaLogin, Mechanism, Protocol
from jkn_bus.personal_data import DEV_KEKS, KekConfigError, LocalKeks

__all__ = ["BusSettings", "database_url_for"]

_LOCAL_PG = "127.0.0.1:55432"


def database_url_for(service: str) -> str:
    """The database URL of ``service`` (its own role, its own schema)."""
    role = service.replace("-", "_")
    env = f"{role.upper()}_DATABASE_URL"
    return os.environ.get(env, f"postgresql://{role}:{role}-dev@{_LOCAL_PG}/jkn")


class BusSettings(BaseSettings):
    """Connection and behaviour settings of one service process."""

    model_config = SettingsConfigDict(extra="ignore", validate_assignment=False)

    service: str = Field(description="Service name; its schema, and its consumer group's.")
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_security_protocol: Protocol = Field(
        "SASL_PLAINTEXT", description="SASL_PLAINTEXT locally, SASL_SSL in production."
    )
    kafka_sasl_mechanism: Mechanism = "SCRAM-SHA-512"
    kafka_sasl_username: str = Field("", description="Defaults to the service name.")
    kafka_sasl_password: SecretStr = Field(
        SecretStr(""), description="Defaults to '<service>-dev' (the local stack's)."
    )
    kafka_ssl_cafile: str | None = Field(None, description="CA of the broker (SASL_SSL).")
    jkn_topic_prefix: str = Field(
        "", description="Prefix of every topic name and consumer group id (isolation)."
    )
    jkn_pseudonym_key: str = Field(
        "dev-only-pseudonym-key",
        description="HMAC key of participant pseudonyms; secret in prod.",
        repr=False,
    )
    # Key-encryption keys of the keyring (jkn_bus.personal_data, jkn_bus.keyring).
    jkn_kek_file: str | None = Field(
        None, description='JSON {"current": id, "keys": {id: base64 32 bytes}}; wins.'
    )
    jkn_keks: str = Field(
        "", description="id=base64,id=base64 (32-byte keys); in dev: the dev KEK.", repr=False
    )
    jkn_kek_current: str = Field("", description="KEK id new wraps use (default: last).")
    otel_exporter_otlp_endpoint: str | None = None
    jkn_zipkin_endpoint: str | None = Field(None, description="Local tracing UI (make run).")
    http_host: str = "127.0.0.1"
    http_port: int = 0
    http_max_body_bytes: int = Field(
        64 << 10, gt=0, description="Largest request body (413 beyond); uploads have their own."
    )
    http_max_json_depth: int = Field(
        32, gt=0, description="Deepest nesting of a JSON body (422 JSON_TOO_DEEP beyond)."
    )
    jkn_env: str = Field(
        "dev", description="'dev' or the deployment's name: outside dev, dev secrets refuse."
    )
    relay_batch_size: int = 500
    relay_poll_interval_s: float = 1.0
    consumer_max_attempts: int = 4
    consumer_batch_size: int = Field(
        200, description="Records fetched per poll, across partitions."
    )
    consumer_concurrency: int = Field(8, description="Participants applied at the same time.")
    consumer_instance_id: str = Field(
        "",
        description="This process's static member name in its consumer group (module doc);"
        " unique per process of a service. Empty: a dynamic member.",
    )
    consumer_session_timeout_ms: int = Field(
        10_000,
        ge=6_000,
        description="How long the broker waits for a silent member before its partitions move.",
    )
    consumer_lag_interval_s: float = Field(
        10.0, gt=0, description="How often the jkn_consumer_lag gauge is refreshed."
    )
    consumer_stall_after_s: float = Field(
        120.0,
        gt=0,
        description="How long records may wait with no batch committed, or the broker leave"
        " the lag query unanswered, before /health calls the consumer stalled and answers 503"
        " (jkn_bus.liveness). Above consumer_lag_interval_s and the longest batch.",
    )
    shutdown_grace_s: float = Field(
        8.0,
        gt=0,
        description="On SIGTERM: how long the batch in flight, then the relay, may finish.",
    )

    database_url: str = Field(
        "",
        description="Defaults to the service's own <SERVICE>_DATABASE_URL (see module doc).",
        repr=False,  # it holds the role's password
    )

    # Who is calling (jkn_bus.auth): the city's OpenID Connect identity provider.
    jkn_oidc_issuer: str = Field(
        "http://127.0.0.1:8180/realms/jkn", description="Issuer URL; tokens' iss must equal it."
    )
    jkn_oidc_audience: str = Field("jkn-api", description="Tokens' aud must contain it.")
    jkn_oidc_jwks_url: str | None = Field(
        None, description="Signing keys; default: jwks_uri of the issuer's discovery document."
    )
    jkn_oidc_leeway_s: float = Field(10.0, ge=0, description="Clock skew allowed on exp/iat.")
    jkn_metrics_public: bool = Field(
        False, description="Serve /metrics without a token (a network policy confines it)."
    )
    jkn_api_docs: bool = Field(True, description="Serve /docs and /openapi.json.")
    jkn_write_rate_limit: str = Field(
        "300/minute", description="Writes per caller (token subject, else client address)."
    )

    @model_validator(mode="after")
    def _own_database(self) -> BusSettings:
        if not self.database_url:
            self.database_url = database_url_for(self.service)
        return self

    @model_validator(mode="after")
    def _own_kafka_principal(self) -> BusSettings:
        if not self.kafka_sasl_username:
            self.kafka_sasl_username = self.service
        if not self.kafka_sasl_password.get_secret_value():
            self.kafka_sasl_password = SecretStr(f"{self.service}-dev")
        return self

    def kafka_login(self) -> KafkaLogin:
        """The credentials every Kafka client of this service uses."""
        return KafkaLogin(
            self.kafka_sasl_username,
            self.kafka_sasl_password.get_secret_value(),
            protocol=self.kafka_security_protocol,
            mechanism=self.kafka_sasl_mechanism,
            ca_file=self.kafka_ssl_cafile,
        )

    def key_encryption_keys(self) -> LocalKeks:
        """The KEKs this process wraps and unwraps residents' data keys with (only the
        services that read the keyring ask); :class:`KekConfigError` outside dev when none
        is configured."""
        keks = self.jkn_keks
        if not keks and not self.jkn_kek_file:
            if self.jkn_env.strip().lower() != "dev":
                raise KekConfigError("no key-encryption key: set JKN_KEK_FILE or JKN_KEKS")
            keks = DEV_KEKS
        return LocalKeks.from_config(
            kek_file=self.jkn_kek_file, keks=keks, current=self.jkn_kek_current
        )

    @property
    def consumer_group(self) -> str:
        """The service's consumer group id: its name under the environment's prefix.

        Two stacks on one broker (a test run beside the demo, staging beside production)
        must not share a group, or stopping one stack's consumer rebalances the other's;
        the unprefixed (production) group stays the bare service name. The broker's group
        ACLs follow the same rule (``jkn_devstack.acls``)."""
        return self.jkn_topic_prefix + self.service

    @property
    def db_schema(self) -> str:
        """The service's own Postgres schema (its name with underscores)."""
        return self.service.replace("-", "_")
