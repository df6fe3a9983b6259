"""A reader that collects field errors (``jkn_bus.field_errors``) while checking a row of
strings.

Every message names the field and the rule, in English and Bahasa Indonesia (the form
``jkn_contracts.nik`` uses), and never repeats the value: rows carry personal data (NIK,
names, addresses) and errors end up in logs, reports and HTTP answers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from jkn_bus.field_errors import FieldError

__all__ = ["FieldError", "FieldReader"]


class FieldReader:
    """Reads trimmed values out of a mapping of strings, collecting a FieldError per problem.

    Each reader method returns the cleaned value, or None when the field is empty (and
    optional) or broken (an error is then recorded in ``errors``).
    """

    def __init__(self, fields: Mapping[str, str]) -> None:
        self._fields = fields
        self.errors: list[FieldError] = []

    def fail(self, field: str, rule: str, message: str) -> None:
        """Record a problem with ``field``."""
        self.errors.append(FieldError(field, rule, message))

    def reject_unknown(self, known: Collection[str]) -> None:
        """Record an UNKNOWN_FIELD error for each field name outside ``known``."""
        for name in self._fields:
            if name not in known:
                self.fail(
                    name,
                    "UNKNOWN_FIELD",
                    f"Unknown field '{name}'. / Kolom '{name}' tidak dikenal.",
                )

    def text(self, field: str, *, required: bool = True, max_length: int = 200) -> str | None:
        """The trimmed value with inner whitespace collapsed; REQUIRED/TOO_LONG errors."""
        value = " ".join((self._fields.get(field) or "").split())
        if not value:
            if required:
                self.fail(field, "REQUIRED", f"'{field}' is required. / '{field}' wajib diisi.")
            return None
        if len(value) > max_length:
            self.fail(
                field,
                "TOO_LONG",
                f"'{field}' must be at most {max_length} characters. / "
                f"'{field}' paling banyak {max_length} karakter.",
            )
            return None
        return value

    def digits(self, field: str, count: int, rule: str) -> str | None:
        """A required value of exactly ``count`` digits (spaces ignored)."""
        value = self.text(field)
        if value is None:
            return None
        value = value.replace(" ", "")
        if not re.fullmatch(rf"\d{{{count}}}", value):
            self.fail(
                field,
                rule,
                f"'{field}' must be exactly {count} digits. / "
                f"'{field}' harus terdiri dari tepat {count} angka.",
            )
            return None
        return value
