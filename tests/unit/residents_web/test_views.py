"""What a resident reads for each answer of the status API, in both languages, and that
every Indonesian text of the pages has its English sentence."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from residents_web import views
from residents_web.catalogue_en import ENGLISH
from residents_web.i18n import translator, written_date
from residents_web.views import status_view, track_view

PACKAGE = Path(views.__file__).parent
_ID, _EN = translator("id"), translator("en")


def _answer(status: str, reasons: list[dict[str, Any]] | None = None, **extra: Any) -> dict:  # type: ignore[type-arg]
    return {
        "status": status,
        "reasons": reasons or [],
        "card": None,
        "updated_at": "2026-03-02T08:00:00+07:00",
        **extra,
    }


def test_an_active_resident_reads_card_clinic_and_start_date() -> None:
    card = {
        "no_kartu": "0001234567890",
        "clinic": {"code": "1571P001", "name": "Puskesmas Simpang Kawat"},
        "effective_date": "2026-04-01",
    }
    view = status_view(_answer("activated", card=card), _ID, "id")
    assert (view.headline, view.card_number) == ("Aktif", "0001234567890")
    assert view.clinic == "Puskesmas Simpang Kawat (1571P001)"
    assert view.active_from == date(2026, 4, 1)
    assert not view.may_object


def test_a_waiting_resident_reads_the_position_they_joined_at() -> None:
    reason = {"code": "QUOTA_FULL", "message": "Kuota ... urutan ke-7 ...", "position": 7}
    view = status_view(_answer("waitlisted", [reason]), _ID, "id")
    assert (view.headline, view.position) == ("Dalam daftar tunggu", 7)


def test_a_rejection_keeps_dinkes_s_sentence_and_adds_what_to_do_and_how_to_object() -> None:
    reason = {"code": "NOT_IN_DTKS", "message": "Penduduk tidak terdaftar di DTKS/DTSEN."}
    view = status_view(_answer("rejected", [reason]), _ID, "id")
    assert view.reasons[0].text == "Penduduk tidak terdaftar di DTKS/DTSEN."
    assert view.reasons[0].next_step is not None
    assert "kelurahan" in view.reasons[0].next_step
    assert view.may_object


def test_an_english_page_words_a_rejection_by_its_code() -> None:
    reason = {"code": "DECEASED", "message": "Penduduk tercatat telah meninggal dunia."}
    view = status_view(_answer("rejected", [reason]), _EN, "en")
    assert view.headline == "Not approved"
    assert view.reasons[0].text == "The civil registry records this resident as deceased."


def test_an_unknown_reason_code_still_shows_the_agency_s_own_sentence() -> None:
    reason = {"code": "SOMETHING_NEW", "message": "Alasan baru."}
    assert status_view(_answer("rejected", [reason]), _EN, "en").reasons[0].text == "Alasan baru."


def test_a_deactivated_resident_reads_the_date_and_the_reason() -> None:
    reason = {
        "code": "DEACTIVATED_PINDAH",
        "message": "Kepesertaan berakhir mulai 2026-05-01.",
        "effective_date": "2026-05-01",
    }
    view = status_view(_answer("deactivated", [reason]), _ID, "id")
    assert view.ended_on == date(2026, 5, 1)
    assert view.reasons[0].text == "Dilaporkan pindah ke luar kota."
    assert view.may_object


def test_a_tracked_item_shows_agency_due_date_and_answer() -> None:
    item = track_view(
        {
            "tracking_number": "ADU-2026-000042",
            "kind": "pengaduan",
            "topic": "verifikasi_kuota",
            "agency": "dinkes",
            "status": "answered",
            "received_at": "2026-03-02T01:00:00+00:00",
            "due_date": "2026-03-07",
            "overdue": False,
            "answer": {"text": "Sudah kami periksa.", "answered_at": "2026-03-03T02:00:00+00:00"},
        }
    )
    assert (item.agency, item.answered, item.answer) == ("dinkes", True, "Sudah kami periksa.")
    assert item.due_date == date(2026, 3, 7)


def test_dates_are_written_as_each_language_writes_them() -> None:
    assert written_date(date(2026, 7, 1), "id") == "1 Juli 2026"
    assert written_date(date(2026, 7, 1), "en") == "July 1, 2026"


def _texts_of_templates() -> set[str]:
    found = set()
    for template in (PACKAGE / "templates").glob("*.html"):
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', template.read_text()))
        found |= set(re.findall(r"_\('((?:[^'\\]|\\.)*)'\)", template.read_text()))
    return found


def _texts_of_views() -> set[str]:
    found: set[str] = set()
    tree = ast.parse((PACKAGE / "views.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            if getattr(target, "id", "") in {"_STATUS", "_NEXT_STEP", "_DEACTIVATION_NEXT"}:
                value = ast.literal_eval(node.value)  # type: ignore[arg-type]
                items = value.values() if isinstance(value, dict) else [value]
                for item in items:
                    found |= set(item) if isinstance(item, tuple) else {item}
    return found


@pytest.mark.parametrize("source", ["templates", "views"])
def test_every_indonesian_text_has_its_english_sentence(source: str) -> None:
    texts = _texts_of_templates() if source == "templates" else _texts_of_views()
    assert texts
    assert sorted(t for t in texts if t not in ENGLISH) == []
