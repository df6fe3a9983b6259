"""Which chain an entry joins (pure): the partition its participant's records have on the
six-partition topics the trail reads, by Kafka's own hash; agencies' acts in chain 0; each
chain from a genesis of its own; and the consumer group's round-robin assignment gives
replicas disjoint partition numbers, hence disjoint chains."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.partitioner import DefaultPartitioner, murmur2
from jkn_audit.domain import chains
from jkn_audit.domain.chain import GENESIS, ChainWalker, anchor, chain_hash, genesis
from jkn_audit.domain.chains import ACTS_CHAIN, CHAINS, chain_of
from jkn_audit.domain.entries import AuditEntry, describe
from jkn_contracts import (
    CATALOGUE,
    CONSUMERS,
    Actor,
    QuotaChanged,
    SlotReleased,
    participant_id_for,
)

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PIDS = [participant_id_for(f"157101450880{n:04d}", "chain-test") for n in range(600)]


def test_our_murmur2_is_kafka_s_for_every_tail_length() -> None:
    for data in [
        b"",
        b"a",
        b"ab",
        b"abc",
        b"abcd",
        b"abcde",
        "ü-7".encode(),
        *map(str.encode, PIDS),
    ]:
        assert chains.murmur2(data) == murmur2(data) & 0xFFFFFFFF


def test_a_participant_s_chain_is_the_partition_the_producer_gives_its_records() -> None:
    partitions = list(range(CHAINS))
    for pid in PIDS:
        assert chain_of(pid) == DefaultPartitioner()(pid.encode(), partitions, partitions)


def test_participants_spread_over_every_chain() -> None:
    counts = [sum(1 for pid in PIDS if chain_of(pid) == c) for c in range(CHAINS)]
    assert min(counts) > len(PIDS) / CHAINS / 2, counts


def test_the_chains_match_the_partitions_of_every_topic_the_trail_reads() -> None:
    read = set(CONSUMERS["audit"])
    assert read
    assert {spec.partitions for spec in CATALOGUE if spec.name in read} == {CHAINS}


class _Cluster:
    def __init__(self, topics: dict[str, int]) -> None:
        self.topics = topics

    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(self.topics[topic]))


@pytest.mark.parametrize("replicas", [1, 2, 3, 6])
def test_replicas_read_disjoint_partition_numbers_so_they_append_to_disjoint_chains(
    replicas: int,
) -> None:
    prefix = "t1234abcd."  # as the tests' topics and production's (no prefix) alike: sorted
    topics = {prefix + spec.name: spec.partitions for spec in CATALOGUE}
    read = [prefix + name for name in CONSUMERS["audit"]]
    members = {f"audit-{i}": RoundRobinPartitionAssignor.metadata(read) for i in range(replicas)}
    assigned = RoundRobinPartitionAssignor.assign(_Cluster(topics), members)  # type: ignore[arg-type]
    numbers = {m: {tp.partition for tp in a.partitions()} for m, a in assigned.items()}
    assert sum(len(a.partitions()) for a in assigned.values()) == len(read) * CHAINS
    owners = [sorted(m for m, ps in numbers.items() if chain in ps) for chain in range(CHAINS)]
    assert all(len(owner) == 1 for owner in owners), owners


def entry(pid: str | None, seq: int = 1, **changes: Any) -> AuditEntry:
    base = AuditEntry(
        seq=seq,
        event_id=str(uuid.uuid4()),
        event_type="SlotReleased",
        schema_version=1,
        producer="dinkes",
        participant_id=pid,
        correlation_id=str(uuid.uuid4()),
        causation_id=None,
        occurred_at=NOW.isoformat(timespec="microseconds"),
        recorded_at=NOW.isoformat(timespec="microseconds"),
        topic="jkn.dinkes.verifications",
        partition=0,
        offset=seq,
        decision="slot_released",
        reasons=(),
        evidence_ref=None,
        payload={},
        chain=chain_of(pid),
    )
    return dataclasses.replace(base, **changes)


def test_an_entry_joins_its_participant_s_chain_and_an_act_chain_0() -> None:
    pid = PIDS[0]
    released = SlotReleased(
        participant_id=pid,
        correlation_id=uuid.uuid4(),
        payload={"reason": "pindah", "quota_used": 9, "quota_total": 10},
    )
    quota = QuotaChanged(
        correlation_id=uuid.uuid4(),
        actor=Actor(id="act_" + "d1" * 12, agency="dinkes", kind="person"),
        payload={"budget_year": 2026, "previous_total": 10, "total": 12, "used": 10},
    )
    at = {"topic": "t", "partition": 0, "offset": 1, "recorded_at": NOW}
    assert describe(released, **at).chain == chain_of(pid)
    assert describe(quota, **at).chain == ACTS_CHAIN == 0


def test_the_chain_number_is_not_hashed_so_chain_0_rows_hash_as_before_chains() -> None:
    subject = entry(PIDS[0])
    assert "chain" not in subject.content()
    assert subject.content() == dataclasses.replace(subject, chain=0).content()


def test_every_chain_starts_from_its_own_genesis_and_chain_0_from_the_old_one() -> None:
    starts = [genesis(c) for c in range(CHAINS)]
    assert starts[0] == GENESIS
    assert len(set(starts)) == CHAINS
    assert all(len(s) == 64 and int(s, 16) >= 0 for s in starts)


def chained(chain: int, count: int) -> list[tuple[AuditEntry, str]]:
    pid = next(p for p in PIDS if chain_of(p) == chain)
    rows, previous = [], genesis(chain)
    for seq in range(1, count + 1):
        row = entry(pid, seq)
        previous = chain_hash(previous, row.content())
        rows.append((row, previous))
    return rows


def walk(chain: int, rows: list[tuple[AuditEntry, str]]) -> str | None:
    walker = ChainWalker(chain)
    for row, stored in rows:
        reason = walker.check(row.seq, row.content(), stored)
        if reason is not None:
            return reason
    return None


def test_each_chain_verifies_from_its_genesis_and_a_row_moved_to_another_chain_does_not() -> None:
    three, four = chained(3, 3), chained(4, 2)
    assert walk(3, three) is None
    assert walk(4, four) is None
    # chain 3's rows relabelled chain 4 (seq and hashes untouched): they do not link there
    assert walk(4, three) == "hash mismatch: this row, or the row before it, was changed"
    # chain 4's rows, then chain 3's third row slipped in as seq 3 of chain 4
    moved = dataclasses.replace(three[2][0], chain=4)
    assert walk(4, [*four, (moved, three[2][1])]) is not None


def test_the_anchor_changes_with_any_chain_s_head() -> None:
    heads = [genesis(c) for c in range(CHAINS)]
    base = anchor(heads)
    for c in range(CHAINS):
        changed = [*heads]
        changed[c] = chain_hash(heads[c], {"x": 1})
        assert anchor(changed) != base
