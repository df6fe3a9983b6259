"""The residents' pages in a real browser (Chromium at a phone's size), on the real system:
a resident checks their status with their receipt code and birth date — active, waiting,
rejected, deactivated, each in plain words — files a complaint and follows it to Dinkes's
answer; a wrong code and a wrong birth date get one answer and guessing is stopped; every
page is light, works without JavaScript, and passes axe-core's WCAG 2.1 AA rules with no
serious or critical violation. Screenshots and the page weights / axe findings land in
test-artifacts/residents-web/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from e2e.residents_city import Resident, bring_residents
from jkn_demo.callers import Callers
from jkn_demo.scenario import CityFiles
from jkn_demo.stack import COMPONENTS, Stack
from jkn_devstack.tokens import DevTokenAuth
from playwright.async_api import Browser, Page
from support.browser import Inspector, chromium
from support.stack import running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PORT_OFFSET = 15000  # beside `make run` and the other end-to-end stacks
API_FAILURES = 3  # enrollment's failed status look-ups per client (the API's own limit)
PAGE_FAILURES = 5  # the page's own count, which the tracking test reaches first


@pytest.fixture(scope="module")
async def stack(city: CityFiles, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(
        Path(tmp_path_factory.mktemp("run")),
        port_offset=PORT_OFFSET,
        tag="e2w",
        JKN_REFERENCE_DIR=str(city.directory),
        JKN_QUOTA_TOTAL="2",
        ENROLLMENT_MAX_DEACTIVATION_SHARE="1.0",
        ENROLLMENT_STATUS_FAILURES_PER_10MIN=str(API_FAILURES),
        RESIDENTS_WEB_FAILURES_PER_10MIN=str(PAGE_FAILURES),
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
async def residents(stack: Stack, city: CityFiles, callers: Callers) -> dict[str, Resident]:
    urls = {c.name: stack.url(c.name) for c in COMPONENTS}
    async with httpx.AsyncClient(timeout=30) as client:
        return await bring_residents(client, urls, city, callers)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def inspector() -> Inspector:
    return Inspector()


async def _check_status(
    page: Page, web: str, r: Resident, *, code: str | None = None, born: str | None = None
) -> int:
    """The resident types their receipt code and birth date (no proposal number)."""
    await page.goto(f"{web}/cek-status")
    await page.get_by_label("Kode tanda terima").fill(code or r.receipt_code)
    await page.get_by_label("Tanggal lahir").fill(born or r.birth_date)
    async with page.expect_navigation() as nav:
        await page.get_by_role("button", name="Cek status").click()
    answer = await nav.value
    assert answer is not None
    assert r.receipt_code not in page.url
    assert r.birth_date not in page.url
    return answer.status


async def test_an_active_resident_reads_card_clinic_and_start_date(
    stack: Stack, residents: dict[str, Resident], browser: Browser, inspector: Inspector
) -> None:
    page = await inspector.phone(browser, "198.51.100.1")
    await page.goto(stack.url("residents-web"))
    await inspector.look(page, "home")
    assert await _check_status(page, stack.url("residents-web"), residents["active"]) == 200
    main = page.get_by_role("main")
    await main.get_by_role("heading", name="Aktif", exact=True).wait_for()
    text = await main.inner_text()
    assert "Nomor kartu JKN" in text
    assert "Berlaku mulai" in text
    assert "faskes" in text
    assert "Cara mengajukan keberatan" not in text
    await inspector.look(page, "status-aktif")


async def test_a_waiting_resident_reads_their_position_and_why(
    stack: Stack, residents: dict[str, Resident], browser: Browser, inspector: Inspector
) -> None:
    page = await inspector.phone(browser, "198.51.100.2")
    assert await _check_status(page, stack.url("residents-web"), residents["waitlisted"]) == 200
    text = await page.get_by_role("main").inner_text()
    assert "Dalam daftar tunggu" in text
    assert re.search(r"Urutan Anda saat masuk daftar tunggu: ke-[0-9]+", text)
    assert "kuota" in text
    await inspector.look(page, "status-daftar-tunggu")


async def test_a_rejected_resident_reads_the_reason_what_to_do_and_how_to_object(
    stack: Stack, residents: dict[str, Resident], browser: Browser, inspector: Inspector
) -> None:
    page = await inspector.phone(browser, "198.51.100.3")
    assert await _check_status(page, stack.url("residents-web"), residents["rejected"]) == 200
    text = await page.get_by_role("main").inner_text()
    assert "Tidak disetujui" in text
    assert "meninggal dunia" in text  # Dinkes's own reason (DECEASED)
    assert "Yang dapat Anda lakukan" in text
    assert "Disdukcapil" in text
    assert "Cara mengajukan keberatan" in text
    await inspector.look(page, "status-ditolak")


async def test_a_deactivated_resident_reads_the_end_date_the_reason_and_how_to_object(
    stack: Stack, residents: dict[str, Resident], browser: Browser, inspector: Inspector
) -> None:
    page = await inspector.phone(browser, "198.51.100.4")
    assert await _check_status(page, stack.url("residents-web"), residents["deactivated"]) == 200
    text = await page.get_by_role("main").inner_text()
    assert "Tidak aktif lagi" in text
    assert re.search(r"Berakhir mulai: 1 [A-Z][a-z]+ 20[0-9]{2}", text)  # the 1st of a month
    assert "Dilaporkan pindah ke luar kota." in text
    assert "Cara mengajukan keberatan" in text
    await inspector.look(page, "status-tidak-aktif")


async def test_the_same_page_speaks_english_when_asked(
    stack: Stack, residents: dict[str, Resident], browser: Browser, inspector: Inspector
) -> None:
    page = await inspector.phone(browser, "198.51.100.5")
    await page.goto(f"{stack.url('residents-web')}/cek-status")
    await page.get_by_role("link", name="English").click()
    assert await page.get_attribute("html", "lang") == "en"
    await page.get_by_label("Receipt code").fill(residents["waitlisted"].receipt_code)
    await page.get_by_label("Birth date").fill(residents["waitlisted"].birth_date)
    await page.get_by_role("button", name="Check status").click()
    text = await page.get_by_role("main").inner_text()
    assert "On the waiting list" in text
    assert re.search(r"Your place when you joined the waiting list: no\. [0-9]+", text)
    await inspector.look(page, "status-waitlisted-en")
    await page.get_by_role("link", name="Help").click()
    await inspector.look(page, "help-en")


async def test_a_complaint_is_filed_and_followed_to_the_agency_s_answer(
    stack: Stack, browser: Browser, inspector: Inspector
) -> None:
    web = stack.url("residents-web")
    page = await inspector.phone(browser, "198.51.100.6")
    await page.goto(f"{web}/sampaikan")
    await inspector.look(page, "sampaikan")
    await page.get_by_label("Pengaduan", exact=True).check()
    await page.get_by_label("Topik", exact=True).select_option("verifikasi_kuota")
    await page.get_by_label("Pesan", exact=True).fill(
        "Usulan ibu saya ditolak, padahal beliau masih hidup."
    )
    await page.get_by_role("button", name="Kirim").click()
    tracking = (await page.locator("#tracking-number").inner_text()).strip()
    code = (await page.locator("#access-code").inner_text()).strip()
    assert re.fullmatch(r"ADU-[0-9]{4}-[0-9]{6,}", tracking)
    assert len(code) == 8
    assert "Dinas Kesehatan" in await page.get_by_role("main").inner_text()
    assert code not in page.url
    await inspector.look(page, "tanda-terima")

    async def follow(name: str) -> str:
        await page.goto(f"{web}/lacak")
        await page.get_by_label("Nomor pelacakan").fill(tracking)
        await page.get_by_label("Kode akses").fill(code)
        await page.get_by_role("button", name="Lacak").click()
        await inspector.look(page, name)
        return await page.get_by_role("main").inner_text()

    await page.goto(f"{web}/lacak")
    await inspector.look(page, "lacak")
    text = await follow("lacak-ditangani")
    assert "Sedang ditangani" in text
    assert "Dinas Kesehatan" in text
    assert "Dijawab paling lambat" in text

    reply = "Data Dukcapil sudah kami periksa ulang; usulan dapat diajukan kembali."
    async with httpx.AsyncClient(timeout=30, auth=DevTokenAuth("eko.cs-dinkes")) as agent:
        answered = await agent.post(
            f"{stack.url('notifications')}/feedback/{tracking}/answer", json={"answer": reply}
        )
    assert answered.status_code == 200, answered.text
    text = await follow("lacak-dijawab")
    assert "Sudah dijawab" in text
    assert reply in text


async def test_wrong_codes_get_one_answer_and_a_guesser_is_stopped_by_the_api_s_own_limit(
    stack: Stack, residents: dict[str, Resident], browser: Browser, inspector: Inspector
) -> None:
    web, active = stack.url("residents-web"), residents["active"]
    guesser = await inspector.phone(browser, "203.0.113.66")
    unknown_code = {"code": "ABCDEFGH"}
    wrong_birth_date = {"born": "1901-01-01"}  # no resident of the demo city was born then
    answers = []
    for attempt in (unknown_code, wrong_birth_date, wrong_birth_date)[:API_FAILURES]:
        assert await _check_status(guesser, web, active, **attempt) == 404
        answers.append(await guesser.locator("#masalah").inner_text())
    assert len(set(answers)) == 1
    assert "Usulan tidak ditemukan" in answers[0]
    await inspector.look(guesser, "status-tidak-ditemukan")
    # the API counted this resident (the page forwards their address), not the page
    assert await _check_status(guesser, web, active) == 429
    assert "Terlalu banyak percobaan" in await guesser.get_by_role("main").inner_text()
    other = await inspector.phone(browser, "203.0.113.67")
    assert await _check_status(other, web, active) == 200


async def test_tracking_guesses_are_stopped_by_the_page_and_forged_forms_refused(
    stack: Stack, browser: Browser, inspector: Inspector
) -> None:
    web = stack.url("residents-web")
    page = await inspector.phone(browser, "203.0.113.77")
    for _ in range(PAGE_FAILURES):
        await page.goto(f"{web}/lacak")
        await page.get_by_label("Nomor pelacakan").fill("ADU-2026-999999")
        await page.get_by_label("Kode akses").fill("ABCDEFGH")
        async with page.expect_navigation() as nav:
            await page.get_by_role("button", name="Lacak").click()
        assert (await nav.value).status == 404  # type: ignore[union-attr]
    assert "Pesan tidak ditemukan" in await page.get_by_role("main").inner_text()
    await page.goto(f"{web}/lacak")
    await page.get_by_label("Nomor pelacakan").fill("ADU-2026-999999")
    await page.get_by_label("Kode akses").fill("ABCDEFGH")
    async with page.expect_navigation() as nav:
        await page.get_by_role("button", name="Lacak").click()
    assert (await nav.value).status == 429  # type: ignore[union-attr]
    # a form posted from elsewhere (no anti-forgery token) is refused before any look-up
    async with httpx.AsyncClient() as forger:
        forged = await forger.post(
            f"{web}/sampaikan", data={"kind": "pengaduan", "topic": "lainnya", "message": "x"}
        )
    assert forged.status_code == 400
    assert forged.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in forged.headers["content-security-policy"]


async def test_a_resident_reads_what_is_held_about_them_and_every_decision(
    stack: Stack, residents: dict[str, Resident], browser: Browser, inspector: Inspector
) -> None:
    web, resident = stack.url("residents-web"), residents["rejected"]
    page = await inspector.phone(browser, "198.51.100.8")
    await page.goto(f"{web}/akses-data")
    await inspector.look(page, "akses-data")
    await page.get_by_label("Kode tanda terima").fill(resident.receipt_code)
    await page.get_by_label("NIK", exact=True).fill(resident.nik)
    await page.get_by_label("Tanggal lahir").fill(resident.birth_date)
    async with page.expect_navigation() as nav:
        await page.get_by_role("button", name="Tampilkan data saya").click()
    assert (await nav.value).status == 200  # type: ignore[union-attr]
    assert resident.nik not in page.url
    text = await page.get_by_role("main").inner_text()
    assert "Data yang disimpan Dinas Sosial tentang Anda" in text
    assert resident.nik in text  # their own record, shown to them
    assert "Semua keputusan tentang Anda" in text
    assert "DECEASED" in text  # Dinkes's decision, from the audit trail
    await inspector.look(page, "akses-data-laporan")
    await page.goto(f"{web}/akses-data")
    await page.get_by_label("Kode tanda terima").fill(resident.receipt_code)
    await page.get_by_label("NIK", exact=True).fill(resident.nik)
    await page.get_by_label("Tanggal lahir").fill("1900-01-01")
    async with page.expect_navigation() as nav:
        await page.get_by_role("button", name="Tampilkan data saya").click()
    assert (await nav.value).status == 404  # type: ignore[union-attr]
    assert "Data tidak ditemukan" in await page.get_by_role("main").inner_text()


async def test_every_page_is_light_passes_axe_and_nothing_typed_is_logged(
    stack: Stack,
    residents: dict[str, Resident],
    browser: Browser,
    inspector: Inspector,
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = await inspector.phone(browser, "198.51.100.9")
    await page.goto(f"{stack.url('residents-web')}/bantuan")
    await inspector.look(page, "bantuan")
    await page.goto(f"{stack.url('residents-web')}/cek-status")
    await inspector.look(page, "cek-status")
    # nothing a resident typed reaches the page's log (the status API takes the code in a URL)
    log = (stack.run_dir / "residents-web.log").read_text()
    typed = [r.receipt_code for r in residents.values()] + [r.nik for r in residents.values()]
    assert [t for t in typed if t in log] == []
    summary = inspector.summary()
    with capsys.disabled():
        print(f"\nresidents' pages: screenshots and summary in {summary.parent}")
        for s in inspector.seen:
            print(f"  {s.name:<24} {s.kilobytes:6.1f} KB  axe: {len(s.violations)} violations")
