"""How the routes of a second officer's decision answer the two-person rule
(``app.two_person``): imports, reconciliation runs and refill batches answer alike.

- ``NotFound``: 404, the route's own answer (its field and words);
- ``SamePerson``: 403 ``FORBIDDEN`` with ``reason`` ``SAME_PERSON``: the maker cannot approve
  their own act, another Dinsos officer must;
- ``AlreadyDecided``: 409 with ``rule`` ``ALREADY_DECIDED`` and where the act stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from jkn_bus.field_errors import FieldError

from enrollment.app.two_person import AlreadyDecided, NotFound, SamePerson

__all__ = ["DECISION_ERRORS", "DecisionAnswers"]

DECISION_ERRORS = (NotFound, SamePerson, AlreadyDecided)


@dataclass(frozen=True)
class DecisionAnswers:
    """One kind of act's answers: ``field`` names its id, ``same_person`` and ``decided``
    are the bilingual messages, ``status_key`` where a decided act's status is told."""

    field: str
    not_found: Callable[[], JSONResponse]
    same_person: str
    decided: str
    status_key: str = "status"

    def error(self, exc: Exception) -> JSONResponse:
        """The answer to one of ``DECISION_ERRORS``."""
        if isinstance(exc, NotFound):
            return self.not_found()
        if isinstance(exc, SamePerson):
            return JSONResponse(
                status_code=403,
                content={
                    "error": "FORBIDDEN",
                    "reason": "SAME_PERSON",
                    "message": self.same_person,
                },
            )
        assert isinstance(exc, AlreadyDecided)
        error = FieldError(self.field, "ALREADY_DECIDED", self.decided)
        return JSONResponse(
            status_code=409, content={"errors": [error.as_json()], self.status_key: exc.status}
        )
