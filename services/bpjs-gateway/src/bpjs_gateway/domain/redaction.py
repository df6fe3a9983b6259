"""Keeping NIKs out of what the gateway states: BPJS's messages may quote one."""

from __future__ import annotations

import re

__all__ = ["MAX_MESSAGE_CHARS", "redact_niks"]

_SIXTEEN_DIGITS = re.compile(r"\d{16,}")
MAX_MESSAGE_CHARS = 500


def redact_niks(text: str) -> str:
    """``text`` with every run of 16 or more digits masked, cut to a bounded length.

    A 13-digit card number is kept (it is what operators look up); a NIK (16 digits)
    is personal data and never leaves the gateway in an event or a log.
    """
    return _SIXTEEN_DIGITS.sub("<NIK>", text)[:MAX_MESSAGE_CHARS]
