"""How a service logs in to Kafka: SASL/SCRAM as its own principal.

The broker takes SASL only and authorizes each principal by ACLs derived from the topic
catalogue (``python -m jkn_devstack topics``): a service may write only its agency's topic
and its dead-letter topic, and read only what it consumes. Locally the listener is
SASL_PLAINTEXT on 127.0.0.1; production uses SASL_SSL (``KAFKA_SSL_CAFILE`` when the
broker's certificate is not signed by a public CA).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any, Literal

from faststream.security import BaseSecurity, SASLScram256, SASLScram512

__all__ = ["KafkaLogin", "Mechanism", "Protocol"]

Protocol = Literal["SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256"]


@dataclass(frozen=True)
class KafkaLogin:
    """One principal's credentials and the listener's protocol."""

    username: str
    password: str = field(repr=False)
    protocol: Protocol = "SASL_PLAINTEXT"
    mechanism: Mechanism = "SCRAM-SHA-512"
    ca_file: str | None = None

    def ssl_context(self) -> ssl.SSLContext | None:
        if self.protocol != "SASL_SSL":
            return None
        return ssl.create_default_context(cafile=self.ca_file)

    def aiokafka(self) -> dict[str, Any]:
        """Keyword arguments of an aiokafka producer, consumer or admin client."""
        kwargs: dict[str, Any] = {
            "security_protocol": self.protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }
        if (context := self.ssl_context()) is not None:
            kwargs["ssl_context"] = context
        return kwargs

    def faststream(self) -> BaseSecurity:
        """The same for a FastStream ``KafkaBroker(security=...)``."""
        scram = SASLScram512 if self.mechanism == "SCRAM-SHA-512" else SASLScram256
        context = self.ssl_context()
        return scram(self.username, self.password, ssl_context=context, use_ssl=context is not None)
