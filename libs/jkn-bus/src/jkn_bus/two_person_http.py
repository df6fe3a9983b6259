"""How a decision route answers the two-person rule's refusals (``jkn_bus.two_person``), the
same for every act with mass effect so an officer's client reads them alike:

- ``NotFound``: 404, the route's own answer (its field and words);
- ``SamePerson``: 403 ``{"error": "FORBIDDEN", "reason": "SAME_PERSON", "message"}`` — the
  shape of the access guard's refusals (``jkn_bus.guard``): the caller may not do this;
- ``AlreadyDecided``: 409 with the rule ``ALREADY_DECIDED`` on the act's id field, and where
  the act stands. By default in the shape of every error body (``jkn_bus.http
  .errors_response``, the status beside the errors); a service whose other refusals of the
  same routes have another shape passes ``refused`` so its routes answer one way.

Messages are fixed words (bilingual where the service's are): no act's content, no person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi.responses import JSONResponse

from jkn_bus.field_errors import FieldError
from jkn_bus.two_person import AlreadyDecided, NotFound, SamePerson

__all__ = ["DECISION_ERRORS", "DecisionAnswers"]

DECISION_ERRORS = (NotFound, SamePerson, AlreadyDecided)

Refused = Callable[[FieldError, str], JSONResponse]


@dataclass(frozen=True)
class DecisionAnswers:
    """One kind of act's answers: ``field`` names its id, ``same_person`` and ``decided``
    are the messages, ``status_key`` where a decided act's status is told. ``refused``,
    when given, renders the 409 from its error and status instead (the service's shape)."""

    field: str
    not_found: Callable[[], JSONResponse]
    same_person: str
    decided: str
    status_key: str = "status"
    refused: Refused | None = None

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
        if not isinstance(exc, AlreadyDecided):
            raise TypeError(type(exc).__name__)  # a caller's bug: only DECISION_ERRORS
        error = FieldError(self.field, "ALREADY_DECIDED", self.decided)
        if self.refused is not None:
            return self.refused(error, exc.status)
        return JSONResponse(
            status_code=409, content={"errors": [error.as_json()], self.status_key: exc.status}
        )
