"""The pages' HTTP behaviour that needs no agency: safety headers, the anti-forgery token,
the uniform "not found", the failed look-up limit, an unreachable agency, the language.
(The flows against the real agencies: tests/e2e/test_residents_pages.py.)"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from jkn_bus import BusSettings
from residents_web.bootstrap import build_app
from residents_web.settings import WebSettings

PAGES = ("/", "/bantuan", "/cek-status", "/sampaikan", "/lacak", "/akses-data")
LIMIT = 3


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once closed


@pytest.fixture
def client() -> Iterator[TestClient]:
    nowhere = f"http://127.0.0.1:{_closed_port()}"
    web = WebSettings(enrollment_url=nowhere, notifications_url=nowhere, failures_per_10min=LIMIT)
    with TestClient(build_app(BusSettings(service="residents-web"), web)) as c:
        yield c


def _token(c: TestClient, path: str) -> str:
    page = c.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_served_without_script_and_never_cached(
    client: TestClient, path: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert "<script" not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert '<html lang="id">' in page.text


def test_only_the_style_sheet_may_be_cached(client: TestClient) -> None:
    css = client.get("/static/style.css")
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["cache-control"].startswith("public")


def test_english_is_one_link_away(client: TestClient) -> None:
    page = client.get("/cek-status", params={"lang": "en"})
    assert '<html lang="en">' in page.text
    assert "Birth date" in page.text
    assert 'name="proposal_id"' not in page.text  # no 36-character number to copy
    assert 'name="lang" value="en"' in page.text


@pytest.mark.parametrize("path", ["/cek-status", "/sampaikan", "/lacak", "/akses-data"])
def test_rejects_a_form_without_the_anti_forgery_token(client: TestClient, path: str) -> None:
    client.get(path)  # the cookie alone is not enough: the form must carry its twin
    answer = client.post(path, data={"receipt_code": "y", "birth_date": "1950-01-02"})
    assert answer.status_code == 400
    assert "kedaluwarsa" in answer.text


def test_rejects_an_incomplete_status_form_naming_the_fields(client: TestClient) -> None:
    token = _token(client, "/cek-status")
    answer = client.post("/cek-status", data={"csrf_token": token, "birth_date": "1950-01-02"})
    assert answer.status_code == 422
    assert re.search(r'id="receipt_code"[^>]*aria-invalid="true"', answer.text)
    assert not re.search(r'id="birth_date"[^>]*aria-invalid="true"', answer.text)
    assert "1950-01-02" not in answer.text  # a birth date is never written back into a page


def test_rejects_a_status_form_without_a_birth_date(client: TestClient) -> None:
    token = _token(client, "/cek-status")
    answer = client.post(
        "/cek-status",
        data={"csrf_token": token, "receipt_code": "R3ZT8WQN", "birth_date": "2.1.50"},
    )
    assert answer.status_code == 422
    assert re.search(r'id="birth_date"[^>]*aria-invalid="true"', answer.text)
    assert "R3ZT8WQN" not in answer.text


def test_rejects_an_access_request_without_a_16_digit_nik_or_a_birth_date(
    client: TestClient,
) -> None:
    token = _token(client, "/akses-data")
    answer = client.post(
        "/akses-data",
        data={"csrf_token": token, "receipt_code": "K7QM2XPA", "nik": "1571", "birth_date": ""},
    )
    assert answer.status_code == 422
    assert "Isian belum lengkap" in answer.text
    assert "K7QM2XPA" not in answer.text


def test_a_malformed_code_gets_the_same_not_found_and_counts_as_a_failure(
    client: TestClient,
) -> None:
    for _ in range(LIMIT):
        token = _token(client, "/cek-status")
        answer = client.post(
            "/cek-status",
            data={"csrf_token": token, "receipt_code": "SECRET-12", "birth_date": "1950-01-02"},
        )
        assert answer.status_code == 404
        assert "Usulan tidak ditemukan" in answer.text
        assert "SECRET-12" not in answer.text  # a code is never written back into a page
    token = _token(client, "/cek-status")
    blocked = client.post(
        "/cek-status",
        data={"csrf_token": token, "receipt_code": "SECRET-12", "birth_date": "1950-01-02"},
    )
    assert blocked.status_code == 429


def test_an_unreachable_agency_is_said_plainly(client: TestClient) -> None:
    token = _token(client, "/cek-status")
    answer = client.post(
        "/cek-status",
        data={
            "csrf_token": token,
            "receipt_code": "K7QM2XPA",
            "birth_date": "1950-01-02",
        },
    )
    assert answer.status_code == 503
    assert "tidak dapat dihubungi" in answer.text


def test_metrics_want_the_operators_token_and_health_does_not(client: TestClient) -> None:
    assert client.get("/health").json() == {"service": "residents-web", "status": "ok"}
    assert client.get("/metrics").status_code == 401


def test_operators_see_outcomes_by_form_never_what_was_typed() -> None:
    nowhere = f"http://127.0.0.1:{_closed_port()}"
    web = WebSettings(enrollment_url=nowhere, notifications_url=nowhere)
    bus = BusSettings(service="residents-web", jkn_metrics_public=True)
    with TestClient(build_app(bus, web)) as c:
        token = _token(c, "/lacak")
        c.post(
            "/lacak",
            data={"csrf_token": token, "tracking_number": "ADU-0000", "access_code": "SECRET12"},
        )
        metrics = c.get("/metrics").text
    assert re.search(
        r'jkn_residents_web_requests_total\{form="track",outcome="not_found"\} [1-9]', metrics
    )
    assert "SECRET12" not in metrics
    assert "ADU-0000" not in metrics
