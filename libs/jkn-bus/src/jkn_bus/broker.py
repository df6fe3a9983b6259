"""Kafka clients with safe defaults (docs/pitfalls.md#delivery).

- The producer is idempotent with ``acks=all``: a retried send is written once, in order.
- The FastStream broker never auto-creates topics; topics are created explicitly from the
  catalogue (``make up`` / the topics job in deploy/).
- Subscribers start a new consumer group at the ``earliest`` offset and commit only after
  the message's effects are committed in Postgres (see ``consumer.py``).
- Every client logs in with SASL/SCRAM as the service's principal (``KafkaLogin``): the
  broker refuses anonymous clients and authorizes by ACL.
"""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from jkn_bus.kafka_login import KafkaLogin

__all__ = ["KafkaLogin", "make_broker", "make_producer"]


def make_producer(bootstrap_servers: str, *, client_id: str, login: KafkaLogin) -> AIOKafkaProducer:
    """An idempotent producer (``acks=all``); callers ``await producer.start()``."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        request_timeout_ms=15000,
        **login.aiokafka(),
    )


def make_broker(
    bootstrap_servers: str, *, client_id: str, login: KafkaLogin, graceful_timeout_s: float = 8.0
) -> KafkaBroker:
    """A FastStream broker for subscribers only: publishing goes through the outbox relay.

    Its consumers (and the lag monitor, which reads through them) log in as ``login``.
    ``graceful_timeout_s``: on stop, how long the batch in flight may finish (applied and
    committed); past it the batch is cancelled, its open transaction rolls back and its
    offsets stay uncommitted: redelivered, the inbox absorbs what was applied.
    """
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        security=login.faststream(),
        allow_auto_create_topics=False,
        enable_idempotence=True,
        acks="all",
        # The AsyncAPI "try it out" page could publish to the real broker: we never serve it.
        specification_url=None,
        consumer_only=True,
        graceful_timeout=graceful_timeout_s,
        # not FastStream's own (stdout, not propagated): the service's JSON handler, which
        # writes exceptions by class only (jkn_bus.logs)
        logger=logging.getLogger("faststream.jkn"),
    )
