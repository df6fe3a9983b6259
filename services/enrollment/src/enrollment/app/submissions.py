"""Agencies' own systems on the bus: proposals from Dinsos's SIKS-NG, findings from a
kelurahan's system (``jkn_contracts.submissions``).

A submission arrives on its system's inbound topic, which only that system's Kafka principal
may write (the topic says who submitted: ``uow.inbound``). The consumer applies it once per
record (the inbox) in ONE transaction with the system's actor (``uow.actor``): it is checked
by the rules of the matching HTTP command, an accepted one becomes enrollment's own fact
exactly as over HTTP — a proposal and its ParticipantRegistered, carrying the system as actor
and the record as cause — and every one is answered on the system's reply topic —
``SubmissionAccepted`` or ``SubmissionRefused`` with field and rule codes, never a value — in
the same transaction.

A finding is an act with mass effect (a system may submit thousands), so it goes through the
maker-checker of a findings file: an accepted one is a deactivation request in the system's
open reconciliation run (one per system, a preview; ``ReconciliationRunPreviewed`` restated
as the run grows, the system as actor), answered ``pending_approval`` with the run's id.
Nothing is sent until a Dinsos officer approves the run (``app.run_approval``: then each
DeactivationRequested with the approver as actor; beyond the deactivation share, the approval
is refused); a rejected run sends nothing. The next finding after a decision opens a new run.
A resident already in an open or approved run is ``ALREADY_REQUESTED``.

The sender's ``submission_id`` makes a submission once-only beyond the inbox: the same
submission sent again (a new record, the same id and content) is answered the same way and
changes nothing; the same id with other content is refused (``SUBMISSION_ID_REUSED``).
A kelurahan's system reports on its own kelurahan only (``InboundSpec.kelurahan``): a row of
another kelurahan is refused (``OUTSIDE_KELURAHAN``), and a resident who is not a current
participant proposed in it is ``NOT_A_PARTICIPANT`` (whether they are one elsewhere is not
the kelurahan's to learn).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date

from jkn_bus import HandlerTable, UnitOfWork
from jkn_contracts import (
    FindingSubmitted,
    InboundSpec,
    ProposalSubmitted,
    SubmissionAccepted,
    SubmissionRefused,
    participant_id_for,
)
from jkn_contracts.submissions import (
    FindingRow,
    ProposalForm,
    Refusal,
    SubmissionAcceptedPayload,
    SubmissionRefusedPayload,
)

from enrollment.app.proposals import (
    DuplicateProposal,
    new_proposal,
    propose,
    read_form,
    receipt_code_for,
)
from enrollment.app.reconciliation import state_previewed
from enrollment.app.run_ports import Answer, NewRequest, RunStores, Submitted
from enrollment.domain import FieldError, Proposal, validate_proposal
from enrollment.domain.findings import Finding, validate_finding
from enrollment.domain.status import FINDINGS_STATUSES

__all__ = ["Codes", "SubmissionHandlers", "check_finding", "check_proposal"]

log = logging.getLogger(__name__)

Codes = list[tuple[str, str]]
"""Why a submission is refused: (field, rule) pairs, never a value."""

ALREADY_PROPOSED = ("nik", "ALREADY_PROPOSED")
OUTSIDE_KELURAHAN = ("kelurahan", "OUTSIDE_KELURAHAN")
NOT_A_PARTICIPANT = ("nik", "NOT_A_PARTICIPANT")
ALREADY_REQUESTED = ("nik", "ALREADY_REQUESTED")
SUBMISSION_ID_REUSED = ("submission_id", "SUBMISSION_ID_REUSED")


def _codes(errors: Sequence[FieldError]) -> Codes:
    return list(dict.fromkeys((e.field, e.rule) for e in errors))


def check_proposal(
    form: ProposalForm, *, today: date | None = None
) -> tuple[Proposal, str] | Codes:
    """The proposal and its ``proposed_by``, or every (field, rule) broken: the rules of
    ``POST /proposals`` (``read_form`` then ``validate_proposal`` in strict mode)."""
    fields, proposed_by, errors = read_form(form.model_dump(exclude_none=True))
    outcome = validate_proposal(fields, strict=True, today=today)
    problems = errors + (outcome if isinstance(outcome, list) else [])
    if problems or isinstance(outcome, list) or proposed_by is None:
        return _codes(problems)
    return outcome, proposed_by


def check_finding(row: FindingRow, own_kelurahan: str | None) -> Finding | Codes:
    """The finding, or every (field, rule) broken: the rules of a findings file's row, and
    the sender's own kelurahan (``own_kelurahan``; None: any)."""
    outcome = validate_finding(row.model_dump())
    if isinstance(outcome, list):
        return _codes(outcome)
    if own_kelurahan is not None and outcome.kelurahan != own_kelurahan:
        return [OUTSIDE_KELURAHAN]
    return outcome


def _inbound(uow: UnitOfWork) -> InboundSpec:
    if uow.inbound is None:  # a submission type travels on inbound topics only (events_of)
        raise RuntimeError("a submission handled outside an inbound topic")
    return uow.inbound


class SubmissionHandlers:
    """The handlers of the submissions enrollment owns, with the keys and stores they need."""

    def __init__(self, *, pseudonym_key: str, receipt_key: str, stores: RunStores) -> None:
        self._pseudonym_key, self._receipt_key, self._stores = pseudonym_key, receipt_key, stores

    def table(self) -> HandlerTable:
        return {
            ProposalSubmitted: self.on_proposal_submitted,
            FindingSubmitted: self.on_finding_submitted,
        }

    async def on_proposal_submitted(self, uow: UnitOfWork, submission: ProposalSubmitted) -> None:
        spec = _inbound(uow)
        if not await self._first_time(uow, spec, submission):
            return
        outcome = check_proposal(submission.payload)
        if isinstance(outcome, list):
            await self._refuse(uow, spec, submission, outcome)
            return
        proposal, proposed_by = outcome
        new = new_proposal(
            proposal,
            proposed_by=proposed_by,
            pseudonym_key=self._pseudonym_key,
            receipt_key=self._receipt_key,
            actor=uow.actor,
        )
        try:
            await propose(uow, new, store=self._stores.proposals, causation_id=submission.event_id)
        except DuplicateProposal as dup:
            await self._refuse(uow, spec, submission, [ALREADY_PROPOSED], dup.proposal_id)
            return
        accepted = Answer(
            "accepted",
            new.correlation_id,
            proposal_id=new.proposal_id,
            participant_id=new.participant_id,
        )
        await self._answer(uow, spec, submission, accepted)

    async def on_finding_submitted(self, uow: UnitOfWork, submission: FindingSubmitted) -> None:
        spec = _inbound(uow)
        if not await self._first_time(uow, spec, submission):
            return
        finding = check_finding(submission.payload, spec.kelurahan)
        if isinstance(finding, list):
            await self._refuse(uow, spec, submission, finding)
            return
        pid = participant_id_for(finding.nik, self._pseudonym_key)
        # the participant's proposal row, locked (the relay's per-participant order)
        stores = self._stores
        current = await stores.requests.current_proposals(uow.conn, [pid], FINDINGS_STATUSES)
        row = current.get(pid)
        if row is None or spec.kelurahan not in (None, row["kelurahan"]):
            await self._refuse(uow, spec, submission, [NOT_A_PARTICIPANT])
            return
        # in an open run (a file's or a system's) or an approved one already
        if await stores.requests.requested_before(uow.conn, current):
            await self._refuse(uow, spec, submission, [ALREADY_REQUESTED])
            return
        # the system's open run (the maker: the system), which a Dinsos officer decides
        run_id, _ = await stores.runs.open_submitted_run(uow.conn, spec.writer, uow.actor)
        request = NewRequest(
            participant_id=pid,
            proposal_id=row["proposal_id"],
            reason=finding.reason.value,
            evidence_ref=finding.evidence_ref,
            reported_by=finding.officer,
            kelurahan=finding.kelurahan,
            run_id=run_id,
        )
        if not await stores.requests.add_requests(uow.conn, [request]):
            # requested_before saw none under the proposal row's lock: cannot happen
            raise RuntimeError("a submitted finding's request was not stored")
        findings = await stores.runs.add_to_submitted_run(uow.conn, run_id)
        await state_previewed(
            uow,
            run_id,
            "findings",
            rows_read=findings,
            participants=await stores.runs.count_participants(uow.conn),
            stores=stores,
        )
        accepted = Answer(
            "accepted",
            run_id,  # the correlation of the run's facts, its DeactivationRequested too
            proposal_id=row["proposal_id"],
            participant_id=pid,
            request_id=request.event_id,
            run_id=run_id,
        )
        await self._answer(uow, spec, submission, accepted)

    async def _first_time(self, uow: UnitOfWork, spec: InboundSpec, submission: Submitted) -> bool:
        """Claim the submission; when it was submitted before, answer it again (the same
        content: the same answer) or refuse the reused id. False: nothing more to do."""
        claimed = await self._stores.submissions.claim(uow.conn, spec.writer, submission)
        if claimed.new:
            return True
        if not claimed.same_content or claimed.answer is None:
            refused = Answer("refused", uow.correlation_id, reasons=(SUBMISSION_ID_REUSED,))
            await uow.emit(self._reply(submission, refused), topic=spec.reply_topic)
            self._log(spec, submission, refused, "again, other content")
            return False
        await uow.emit(self._reply(submission, claimed.answer), topic=spec.reply_topic)
        await self._stores.submissions.repeat_answer(
            uow.conn, spec.writer, submission.submission_id
        )
        self._log(spec, submission, claimed.answer, "again")
        return False

    async def _refuse(
        self,
        uow: UnitOfWork,
        spec: InboundSpec,
        submission: Submitted,
        codes: Codes,
        existing_proposal_id: uuid.UUID | None = None,
    ) -> None:
        refused = Answer(
            "refused",
            uow.correlation_id,
            reasons=tuple(codes),
            existing_proposal_id=existing_proposal_id,
        )
        await self._answer(uow, spec, submission, refused)

    async def _answer(
        self, uow: UnitOfWork, spec: InboundSpec, submission: Submitted, answer: Answer
    ) -> None:
        await uow.emit(self._reply(submission, answer), topic=spec.reply_topic)
        await self._stores.submissions.record_answer(
            uow.conn, spec.writer, submission.submission_id, answer
        )
        self._log(spec, submission, answer, "")

    def _reply(
        self, submission: Submitted, answer: Answer
    ) -> SubmissionAccepted | SubmissionRefused:
        """The answer as its fact on the reply topic: the ids it created, or the codes."""
        if answer.outcome == "accepted":
            receipt = None
            if isinstance(submission, ProposalSubmitted) and answer.proposal_id is not None:
                # derived, never stored: the same code POST /proposals hands out
                receipt = receipt_code_for(answer.proposal_id, self._receipt_key)
            return SubmissionAccepted(
                correlation_id=answer.correlation_id,
                causation_id=submission.event_id,
                payload=SubmissionAcceptedPayload(
                    submission_id=submission.submission_id,
                    submission_type=submission.event_type,
                    proposal_id=answer.proposal_id,
                    participant_id=answer.participant_id,
                    receipt_code=receipt,
                    request_id=answer.request_id,
                    run_id=answer.run_id,
                    pending_approval=answer.run_id is not None,
                ),
            )
        return SubmissionRefused(
            correlation_id=answer.correlation_id,
            causation_id=submission.event_id,
            payload=SubmissionRefusedPayload(
                submission_id=submission.submission_id,
                submission_type=submission.event_type,
                reasons=[Refusal(field=field, rule=rule) for field, rule in answer.reasons],
                existing_proposal_id=answer.existing_proposal_id,
            ),
        )

    @staticmethod
    def _log(spec: InboundSpec, submission: Submitted, answer: Answer, how: str) -> None:
        # codes and pseudonyms only: never a submitted value, nor the sender's free-form id
        rules = ",".join(f"{field}:{rule}" for field, rule in answer.reasons)
        log.info(
            "%s from %s %s%s%s",
            submission.event_type,
            spec.writer,
            answer.outcome,
            f" ({how})" if how else "",
            f": {rules}" if rules else "",
            extra={"participant_id": answer.participant_id},
        )
