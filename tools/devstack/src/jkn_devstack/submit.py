"""An agency's own system on the bus: submit on its inbound topic, wait for the answer.

    python -m jkn_devstack submit-proposal --nik 1571015505900001 --kk 1571010101150003 \\
        --name "Siti Aminah" --sex P --birth-date 1990-05-15 --kelurahan 1571011001 \\
        --source dtks --proposed-by siks-ng [--phone ...] [--submission-id ID]
    python -m jkn_devstack submit-proposal --json form.json        # POST /proposals' body
    python -m jkn_devstack submit-finding --nik ... --reason meninggal \\
        --evidence-ref AKTA/2026/7 --officer "sekretaris kelurahan" [--kelurahan 1571011001]

``submit-proposal`` logs in as Dinsos's welfare-data system (``dinsos-siks``) and writes a
``ProposalSubmitted`` on ``jkn.dinsos.submissions``; ``submit-finding`` as Kelurahan
Telanaipura's system (``kelurahan-1571011001``) and writes a ``FindingSubmitted`` on its
topic. Either then reads the system's reply topic (as the system, consumer group of its own
name under the prefix) for the answer keyed by the submission id, and prints it: ``accepted``
with the ids it created (exit 0), or ``refused`` with field:rule codes (exit 2); no answer
within ``--timeout`` seconds exits 1. Only the system itself can do either: the broker lets
``dinsos-siks`` write ``jkn.dinsos.submissions`` and read its replies, nothing else.

Settings: ``KAFKA_BOOTSTRAP_SERVERS`` (127.0.0.1:9092), ``JKN_TOPIC_PREFIX`` (``--prefix``),
the system's password ``<SYSTEM>_KAFKA_PASSWORD`` (dev default ``<system>-dev``),
``KAFKA_SECURITY_PROTOCOL`` / ``KAFKA_SSL_CAFILE`` as for every client
(``jkn_devstack.credentials``). ``AgencySystem`` is the same client for tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from jkn_contracts import (
    INBOUND,
    FindingSubmitted,
    InboundSpec,
    ProposalSubmitted,
    SubmissionAccepted,
    SubmissionRefused,
    parse_message,
    utcnow,
)
from jkn_contracts.submissions import FindingRow, ProposalForm
from pydantic import ValidationError

from jkn_devstack.credentials import aiokafka_auth, service_password

__all__ = ["AgencySystem", "Reply", "describe", "main", "spec_of"]

Reply: TypeAlias = SubmissionAccepted | SubmissionRefused
_ACCEPTED, _REFUSED, _NO_ANSWER = 0, 2, 1


def spec_of(system: str) -> InboundSpec:
    """The inbound topic the agency system ``system`` writes."""
    for spec in INBOUND:
        if spec.writer == system:
            return spec
    known = ", ".join(spec.writer for spec in INBOUND)
    raise KeyError(f"no agency system {system!r}; known: {known}")


class AgencySystem:
    """One agency system's client: it logs in as the system's own principal."""

    def __init__(
        self,
        spec: InboundSpec,
        bootstrap: str,
        *,
        prefix: str = "",
        password: str | None = None,
    ) -> None:
        self.spec = spec
        self._bootstrap = bootstrap
        self._prefix = prefix
        self._login = aiokafka_auth(spec.writer, password or service_password(spec.writer))

    @property
    def topic(self) -> str:
        return f"{self._prefix}{self.spec.name}"

    @property
    def reply_topic(self) -> str:
        return f"{self._prefix}{self.spec.reply_topic}"

    async def send(self, records: Sequence[tuple[bytes, bytes]]) -> None:
        """Write raw (key, value) records on the system's inbound topic, in order."""
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self.spec.writer,
            enable_idempotence=True,
            acks="all",
            **self._login,
        )
        await producer.start()
        try:
            for key, value in records:
                await producer.send_and_wait(self.topic, value=value, key=key)
        finally:
            await producer.stop()

    async def submit(self, submission: ProposalSubmitted | FindingSubmitted) -> None:
        """Write one submission, keyed by its submission id."""
        await self.send([(submission.record_key().encode(), submission.model_dump_json().encode())])

    async def _reader(self) -> tuple[AIOKafkaConsumer, list[TopicPartition]]:
        # assigned, never subscribed: reading does not join (rebalance) the group, whose
        # name is the system's own under the prefix (the only group it may use); the
        # catalogue says how many partitions the reply topic has
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=self.spec.writer,
            group_id=self._prefix + self.spec.writer,
            enable_auto_commit=False,
            **self._login,
        )
        await consumer.start()
        partitions = [TopicPartition(self.reply_topic, p) for p in range(self.spec.partitions)]
        consumer.assign(partitions)
        return consumer, partitions

    async def end_offsets(self) -> dict[TopicPartition, int]:
        """Where the reply topic ends now: answers to what is submitted next come after."""
        consumer, partitions = await self._reader()
        try:
            ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
            return ends
        finally:
            await consumer.stop()

    async def replies(
        self,
        submission_id: str,
        *,
        expect: int = 1,
        timeout: float = 60.0,  # noqa: ASYNC109 - a deadline: what arrived by then is returned
        since: dict[TopicPartition, int] | None = None,
    ) -> list[Reply]:
        """The answers keyed by ``submission_id`` (from the beginning, or ``since``), waiting
        until at least ``expect`` arrived or ``timeout`` passed; a little more is read after
        that, so that one answer too many is seen too."""
        consumer, partitions = await self._reader()
        found: list[Reply] = []
        key = submission_id.encode()
        try:
            for partition in partitions:
                if since is not None and partition in since:
                    consumer.seek(partition, since[partition])
                else:
                    await consumer.seek_to_beginning(partition)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            extra_until: float | None = None
            while True:
                now = loop.time()
                if len(found) >= expect and extra_until is None:
                    extra_until = now + 1.0
                if now > (extra_until if extra_until is not None else deadline):
                    break
                batch = await consumer.getmany(timeout_ms=300)
                for records in batch.values():
                    for record in records:
                        if record.key != key:
                            continue
                        answer = parse_message(record.value or b"")
                        if isinstance(answer, SubmissionAccepted | SubmissionRefused):
                            found.append(answer)
        finally:
            await consumer.stop()
        return found

    async def ask(
        self,
        submission: ProposalSubmitted | FindingSubmitted,
        *,
        timeout: float = 60.0,  # noqa: ASYNC109 - a deadline, as replies()
    ) -> Reply | None:
        """Submit and wait for the answer (None: no answer within ``timeout``)."""
        since = await self.end_offsets()
        await self.submit(submission)
        found = await self.replies(submission.submission_id, expect=1, timeout=timeout, since=since)
        return found[0] if found else None


def describe(reply: Reply | None) -> str:
    """One line for a person: what was accepted (ids) or why it was refused (codes)."""
    if reply is None:
        return "no answer"
    if isinstance(reply, SubmissionRefused):
        p = reply.payload
        codes = ", ".join(f"{r.field}:{r.rule}" for r in p.reasons)
        existing = f" (open proposal {p.existing_proposal_id})" if p.existing_proposal_id else ""
        return f"refused {p.submission_id}: {codes}{existing}"
    a = reply.payload
    made = {
        "proposal_id": a.proposal_id,
        "participant_id": a.participant_id,
        "receipt_code": a.receipt_code,
        "request_id": a.request_id,
        "run_id": a.run_id,
    }
    ids = " ".join(f"{k}={v}" for k, v in made.items() if v is not None)
    pending = " (pending a Dinsos officer's approval of the run)" if a.pending_approval else ""
    return f"accepted {a.submission_id}: {ids}{pending}"


def _form_options(parser: argparse.ArgumentParser, fields: Sequence[str]) -> None:
    for name in fields:
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name)


_PROPOSAL_FIELDS = tuple(ProposalForm.model_fields)
_FINDING_FIELDS = tuple(FindingRow.model_fields)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jkn_devstack",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    proposal = sub.add_parser("submit-proposal", help="Dinsos's SIKS-NG proposes a resident")
    proposal.add_argument("--json", help="a file holding POST /proposals' body ('-': stdin)")
    _form_options(proposal, _PROPOSAL_FIELDS)
    proposal.set_defaults(system="dinsos-siks")
    finding = sub.add_parser("submit-finding", help="a kelurahan's system reports a finding")
    _form_options(finding, _FINDING_FIELDS)
    finding.set_defaults(system="kelurahan-1571011001")
    for command in (proposal, finding):
        command.add_argument("--system", help="the agency system's principal (its default)")
        command.add_argument("--submission-id", help="default: a new one")
        command.add_argument("--prefix", default=os.environ.get("JKN_TOPIC_PREFIX", ""))
        command.add_argument(
            "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        )
        command.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    return parser


def _submission(
    args: argparse.Namespace, spec: InboundSpec
) -> ProposalSubmitted | FindingSubmitted:
    submission_id = args.submission_id or f"{spec.writer}-{uuid.uuid4().hex[:12]}"
    if args.command == "submit-proposal":
        form: dict[str, Any] = {}
        if args.json:
            text = sys.stdin.read() if args.json == "-" else Path(args.json).read_text()
            form = json.loads(text)
        form |= {f: getattr(args, f) for f in _PROPOSAL_FIELDS if getattr(args, f) is not None}
        return ProposalSubmitted(
            event_id=uuid.uuid4(),
            submission_id=submission_id,
            submitted_at=utcnow(),
            payload=ProposalForm(**form),
        )
    row = {f: getattr(args, f) for f in _FINDING_FIELDS if getattr(args, f) is not None}
    row.setdefault("kelurahan", spec.kelurahan or "")
    return FindingSubmitted(
        event_id=uuid.uuid4(),
        submission_id=submission_id,
        submitted_at=utcnow(),
        payload=FindingRow(**row),
    )


def main(argv: Sequence[str]) -> int:
    """``submit-proposal`` / ``submit-finding`` (see the module doc); the exit code says."""
    args = _parser().parse_args(list(argv))
    try:
        spec = spec_of(args.system)
    except KeyError as exc:
        sys.exit(f"jkn_devstack: {exc.args[0]}")
    try:
        submission = _submission(args, spec)
    except ValidationError as exc:  # the shape only (field names and error types, no values)
        problems = ", ".join(
            f"{'.'.join(str(p) for p in e['loc'])}:{e['type']}" for e in exc.errors()
        )
        sys.exit(f"jkn_devstack: not a {args.command.removeprefix('submit-')}: {problems}")
    system = AgencySystem(spec, args.bootstrap, prefix=args.prefix)
    print(f"{spec.writer} submits {submission.submission_id} on {system.topic} ...", flush=True)
    reply = asyncio.run(system.ask(submission, timeout=args.timeout))
    print(describe(reply))
    if reply is None:
        return _NO_ANSWER
    return _ACCEPTED if isinstance(reply, SubmissionAccepted) else _REFUSED
