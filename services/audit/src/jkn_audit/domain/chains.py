"""Which chain an entry joins: ``CHAINS`` independent hash chains, one per Kafka partition
number of the topics the audit trail reads.

Why several chains. One chain is a total order of every entry, so every append waited for
the one before it: with two replicas of the audit service, each appending its own batches,
the chain's lock was where they queued. What the trail must prove is narrower: that no
entry about a resident was changed, removed or reordered. So each entry joins the chain of
its participant, and one participant's whole history (from migration 0003 on) is one chain
in the order it was appended; appends to different chains do not wait on each other.

Why ``CHAINS = 6`` and Kafka's own hash. Every topic the trail reads has six partitions
(``jkn_contracts.topics.TopicSpec.partitions``) and is keyed by the participant id;
producers place a record with the Java client's partitioner (murmur2 of the key, sign bit
cleared, modulo the partition count; aiokafka's ``DefaultPartitioner`` is the same). The
chain of a participant is computed the same way, so an entry joins the chain whose number is
the partition its record was read from. The consumer group assigns partitions round-robin
over the four topics sorted by name (6 each), so with 1, 2, 3 or 6 replicas each replica
reads the same partition numbers of every topic and the replicas' batches touch disjoint
chains: they do not wait on each other's chain locks (but for an agency's act, below).
More chains would add nothing (at most six consumers of the group receive records of a
topic), fewer would make replicas share.

The count and the hash are part of the stored data: a row's chain was chosen by them, and
verification walks chains 0 .. CHAINS-1. They must never change for existing rows (the
migration's CHECK pins the range). If the topics grow to a multiple of six partitions,
``murmur2 % 12 % 6 == murmur2 % 6``: a chain is still the partition number modulo six.

An entry with no participant (an agency's act: QuotaChanged, FeedbackAnswered, ...) joins
chain 0, as every row did before chains existed; such acts are rare next to the residents'
events, so the chain they share is not where replicas queue.
"""

from __future__ import annotations

__all__ = ["ACTS_CHAIN", "CHAINS", "chain_of", "murmur2"]

CHAINS = 6
ACTS_CHAIN = 0

_M = 0x5BD1E995
_SEED = 0x9747B28C
_U32 = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (``org.apache.kafka.common.utils.Utils.murmur2``), as an unsigned
    32-bit value. Our own copy, not the client library's: what it returns is stored (which
    chain a row is in) and must not move with a dependency."""
    length = len(data)
    h = (_SEED ^ length) & _U32
    whole = length - length % 4
    for i in range(0, whole, 4):
        k = (int.from_bytes(data[i : i + 4], "little") * _M) & _U32
        k ^= k >> 24
        k = (k * _M) & _U32
        h = ((h * _M) & _U32) ^ k
    tail = data[whole:]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h = ((h ^ tail[0]) * _M) & _U32
    h ^= h >> 13
    h = (h * _M) & _U32
    return h ^ (h >> 15)


def chain_of(participant_id: str | None) -> int:
    """The chain of an entry about ``participant_id`` (``ACTS_CHAIN`` for none): the
    partition its record has on a six-partition topic keyed by the participant."""
    if participant_id is None:
        return ACTS_CHAIN
    return (murmur2(participant_id.encode("utf-8")) & 0x7FFFFFFF) % CHAINS
