"""The two-person rule, written once for every act with mass effect (jkn_bus.two_person),
and how decision routes answer its refusals (jkn_bus.two_person_http)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.responses import JSONResponse
from jkn_bus.field_errors import FieldError
from jkn_bus.two_person import AlreadyDecided, NotFound, SamePerson, check, found
from jkn_bus.two_person_http import DECISION_ERRORS, DecisionAnswers
from jkn_contracts import Actor

MAKER = Actor(id="act_" + "a1" * 12, agency="dinsos", kind="person")
CHECKER = Actor(id="act_" + "b2" * 12, agency="dinsos", kind="person")
# the same person by another token: the rule compares actor ids, nothing else
MAKER_AGAIN = Actor(id=MAKER.id, agency="dinkes", kind="person")


def test_a_second_person_may_approve_and_anyone_may_reject_a_pending_act() -> None:
    check("pending", pending="pending", maker=MAKER, checker=CHECKER, approve=True)
    check("pending", pending="pending", maker=MAKER, checker=CHECKER, approve=False)
    check("pending", pending="pending", maker=MAKER, checker=MAKER, approve=False)
    check("preview", pending="preview", maker=None, checker=CHECKER, approve=False)


@pytest.mark.parametrize("maker", [MAKER, MAKER_AGAIN, None])
def test_the_maker_or_an_unknown_maker_cannot_be_the_approver(maker: Actor | None) -> None:
    with pytest.raises(SamePerson):
        check("pending", pending="pending", maker=maker, checker=MAKER, approve=True)
    if maker is None:  # nobody can be told apart from an unknown maker
        with pytest.raises(SamePerson):
            check("pending", pending="pending", maker=None, checker=CHECKER, approve=True)


@pytest.mark.parametrize("approve", [True, False])
@pytest.mark.parametrize("status", ["approved", "rejected", "running"])
def test_a_decided_act_is_decided_once_whoever_asks(status: str, approve: bool) -> None:
    with pytest.raises(AlreadyDecided) as caught:
        # the maker asking again is told it is decided, not that they are the maker
        check(status, pending="pending", maker=MAKER, checker=MAKER, approve=approve)
    assert caught.value.status == status


def test_an_act_not_found_is_refused_and_a_found_one_passes() -> None:
    with pytest.raises(NotFound):
        found(None)
    row = {"status": "pending"}
    assert found(row) is row


def _body(response: JSONResponse) -> Any:
    return json.loads(bytes(response.body))


def _not_found() -> JSONResponse:
    return JSONResponse(status_code=404, content={"errors": [{"rule": "UNKNOWN"}]})


ANSWERS = DecisionAnswers(
    "batch_id", _not_found, same_person="another officer must", decided="decided already"
)


def test_the_refusals_are_answered_404_403_and_409_with_where_the_act_stands() -> None:
    assert ANSWERS.error(NotFound()).status_code == 404
    forbidden = ANSWERS.error(SamePerson())
    assert forbidden.status_code == 403
    assert _body(forbidden) == {
        "error": "FORBIDDEN",
        "reason": "SAME_PERSON",
        "message": "another officer must",
    }
    conflict = ANSWERS.error(AlreadyDecided("approved"))
    assert conflict.status_code == 409
    assert _body(conflict) == {
        "errors": [{"field": "batch_id", "rule": "ALREADY_DECIDED", "message": "decided already"}],
        "status": "approved",
    }
    renamed = DecisionAnswers("import_id", _not_found, "x", "y", status_key="import_status")
    assert _body(renamed.error(AlreadyDecided("running")))["import_status"] == "running"


def test_a_service_may_shape_its_409_its_own_way() -> None:
    seen: list[tuple[FieldError, str]] = []

    def detail(error: FieldError, status: str) -> JSONResponse:
        seen.append((error, status))
        return JSONResponse(status_code=409, content={"detail": {**error.as_json(), "s": status}})

    answers = DecisionAnswers("cut_id", _not_found, "x", "decided", refused=detail)
    conflict = answers.error(AlreadyDecided("rejected"))
    assert seen == [(FieldError("cut_id", "ALREADY_DECIDED", "decided"), "rejected")]
    assert _body(conflict)["detail"]["s"] == "rejected"
    assert _body(answers.error(SamePerson()))["reason"] == "SAME_PERSON"  # 403 stays alike


def test_only_the_rule_s_refusals_are_answered() -> None:
    assert set(DECISION_ERRORS) == {NotFound, SamePerson, AlreadyDecided}
    with pytest.raises(TypeError):
        ANSWERS.error(ValueError())
