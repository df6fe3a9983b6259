"""The one type every service answers a bad input with: which field, which rule, and why.

A service's forms, CSV readers and HTTP routes all speak in FieldErrors, and every HTTP
error body is ``{"errors": [{field, rule, message}, ...]}`` (``jkn_bus.http.errors_response``
renders it), so an agency's system reads the errors of every service the same way.
Messages name the field and the rule, in English and Bahasa Indonesia, and never repeat the
value: inputs carry personal data (NIK, names, addresses) and errors end up in logs,
reports and HTTP answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from jkn_contracts.nik import NikProblem

__all__ = ["ErrorItem", "FieldError"]


class ErrorItem(Protocol):
    """Anything an errors body can list: a FieldError, or a richer error (a CSV row's, with
    its line number) that renders itself with the same three keys and more."""

    def as_json(self) -> dict[str, Any]:
        """The error as one item of an ``errors`` list."""
        ...


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field: ``rule`` is a machine-readable code (``^[A-Z_]+$``)."""

    field: str
    rule: str
    message: str

    @classmethod
    def from_problem(cls, problem: NikProblem) -> FieldError:
        """The field error for a NIK/KK problem found by ``jkn_contracts.nik``."""
        return cls(problem.field, problem.rule, problem.message)

    def as_json(self) -> dict[str, Any]:
        """The error as one item of an ``errors`` list."""
        return {"field": self.field, "rule": self.rule, "message": self.message}
