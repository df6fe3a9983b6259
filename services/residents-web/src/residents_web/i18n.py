"""Bahasa Indonesia first, English on request: the pages are written in Indonesian (the
source text of every ``_()``), and ``catalogue_en.ENGLISH`` gives each sentence in English.

The language is chosen by ``?lang=en`` on a page's address (a hidden field on a form): never
personal data, only the language. Dates are written the way each language writes them
(Babel's CLDR data: "12 Januari 2026", "January 12, 2026").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal

from babel.dates import format_date

from residents_web.catalogue_en import ENGLISH

__all__ = ["LANGUAGES", "Language", "language", "translator", "written_date"]

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")


def language(value: str | None) -> Language:
    """The page's language: ``en`` when asked for, Bahasa Indonesia otherwise."""
    return "en" if value == "en" else "id"


def translator(lang: Language) -> Callable[[str], str]:
    """``_`` of the templates: the Indonesian text itself, or its English sentence (the
    Indonesian one when the catalogue misses it; tests/unit/residents_web checks none is)."""
    if lang == "id":
        return lambda text: text
    return lambda text: ENGLISH.get(text, text)


def written_date(day: date, lang: Language) -> str:
    """A date as the resident reads it, without the weekday."""
    return format_date(day, format="long", locale=lang)
