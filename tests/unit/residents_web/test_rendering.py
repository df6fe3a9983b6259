"""Every result page renders in both languages from the agencies' answers, and what an
agency or a resident wrote is shown as text, never as markup."""

from __future__ import annotations

from datetime import date

import pytest
from residents_web.access_pages import day_of
from residents_web.catalogue_en import ENGLISH
from residents_web.i18n import Language, translator
from residents_web.render import AGENCY_NAMES, page
from residents_web.views import status_view, track_view
from starlette.requests import Request

STATUS_ANSWERS = {
    "activated": {
        "card": {
            "no_kartu": "0001234567890",
            "clinic": {"code": "1571P001", "name": "Puskesmas Simpang Kawat"},
            "effective_date": "2026-04-01",
        }
    },
    "waitlisted": {"reasons": [{"code": "QUOTA_FULL", "message": "...", "position": 3}]},
    "rejected": {"reasons": [{"code": "DECEASED", "message": "Tercatat meninggal dunia."}]},
    "deactivated": {
        "reasons": [{"code": "DEACTIVATED_MAMPU", "message": "...", "effective_date": "2026-05-01"}]
    },
}


def _request(path: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": path,
            "headers": [],
            "query_string": b"",
            "server": ("residents.example", 80),
            "scheme": "http",
            "root_path": "",
        }
    )


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("status", sorted(STATUS_ANSWERS))
def test_each_status_page_renders(lang: Language, status: str) -> None:
    body = {"status": status, "reasons": [], "card": None, **STATUS_ANSWERS[status]}
    view = status_view(body, translator(lang), lang)
    html = page(_request("/cek-status"), "status_result.html", lang, view=view).body.decode()
    assert view.headline in html
    assert f'<html lang="{lang}">' in html


@pytest.mark.parametrize("lang", ["id", "en"])
def test_an_answer_is_shown_as_text(lang: Language) -> None:
    item = track_view(
        {
            "tracking_number": "ADU-2026-000042",
            "kind": "pengaduan",
            "topic": "lainnya",
            "agency": "dinkes",
            "status": "answered",
            "received_at": "2026-03-02T01:00:00+00:00",
            "due_date": "2026-03-07",
            "overdue": False,
            "answer": {"text": "<script>x</script>", "answered_at": "2026-03-03T02:00:00+00:00"},
        }
    )
    html = page(_request("/lacak"), "track_result.html", lang, item=item).body.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert translator(lang)(AGENCY_NAMES["dinkes"]) in html


def test_a_receipt_shows_both_numbers_and_the_agency_in_charge() -> None:
    receipt = {"tracking_number": "ADU-2026-000042", "access_code": "K7QM2XPA", "agency": "dinkes"}
    html = page(
        _request("/sampaikan"), "feedback_receipt.html", "id",
        receipt=receipt, due_date=date(2026, 3, 7),
    ).body.decode()  # fmt: skip
    assert "ADU-2026-000042" in html
    assert "K7QM2XPA" in html
    assert "Dinas Kesehatan" in html
    assert "7 Maret 2026" in html


def test_the_agencies_names_have_their_english_names() -> None:
    assert [n for n in AGENCY_NAMES.values() if n not in ENGLISH] == []


def test_an_access_report_shows_the_resident_s_record_holders_and_decisions() -> None:
    report = {
        "title": "Data pribadi Anda dalam program JKN Daerah (PBI APBD)",
        "legal_basis": "UU 27/2022",
        "held_by_dinsos": {
            "title": "Data yang disimpan Dinas Sosial tentang Anda",
            "proposals": [
                {
                    "status": {"code": "rejected", "label": "ditolak"},
                    "source": {"code": "dtks", "label": "DTKS"},
                    "proposed_at": "2026-03-02T01:00:00+00:00",
                    "data": [
                        {"field": "nik", "label": "NIK", "value": "1571045812790001"},
                        {"field": "email", "label": "Surel", "value": None},
                    ],
                }
            ],
        },
        "holders": {
            "title": "Instansi yang menerima data Anda",
            "agencies": [
                {
                    "agency": "Dinas Kesehatan",
                    "fields": [{"code": "nik", "label": "NIK"}],
                    "purposes": ["verifikasi"],
                    "kept_for": "5 tahun",
                }
            ],
        },
        "decisions": {
            "title": "Semua keputusan tentang Anda",
            "facts": [
                {
                    "when": "2026-03-02T02:00:00+00:00",
                    "agency": {"code": "dinkes", "label": "Dinas Kesehatan"},
                    "what": "usulan ditolak",
                    "reasons": ["DECEASED"],
                    "acted_by": "proses otomatis",
                }
            ],
        },
    }
    html = page(
        _request("/akses-data"), "access_report.html", "id", report=report,
        day=day_of,
    ).body.decode()  # fmt: skip
    assert "1571045812790001" in html
    assert '<th scope="row">Surel</th><td>—</td>' in html
    assert "2 Maret 2026" in html
    assert "DECEASED" in html
