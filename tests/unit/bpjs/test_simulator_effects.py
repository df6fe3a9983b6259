"""The simulator's effect counters (``GET /_sim/effects``) and its register's durability.

A fault suite counts where mutations landed after killing the simulator: the counters
and the register must come back from the file exactly as they were answered, and the
in-memory index must agree with the file.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest
from bpjs_gateway.adapters.bpjs_client import BpjsBusinessError, BpjsClient
from bpjs_gateway.domain.peserta import Mutation, MutationKind
from bpjs_sim import SimSettings, create_app
from bpjs_sim.store import PesertaRow, SqliteStore
from fastapi import FastAPI
from support.polling import eventually

Seeder = Callable[..., Awaitable[list[str]]]
ON = date(2025, 1, 15)
NIK = "1571075003950005"
PPU_WORKER = {
    "nik": "1571051208850004",
    "nama": "ANDI PRATAMA",
    "sex": "L",
    "tglLahir": "1985-08-12",
    "jenisPeserta": "13",
}


def tambah(nik: str = NIK, tgl_berlaku: date = date(2025, 2, 1)) -> Mutation:
    return Mutation.model_validate(
        {
            "jenis": MutationKind.TAMBAH,
            "nik": nik,
            "nama": "Rini Wulandari",
            "sex": "P",
            "tglLahir": date(1995, 3, 10),
            "noKK": "1571070101200002",
            "tglBerlaku": tgl_berlaku,
        }
    )


def kurang(no_kartu: str | None, nik: str = NIK) -> Mutation:
    return Mutation(
        jenis=MutationKind.KURANG, nik=nik, no_kartu=no_kartu, tgl_berlaku=date(2025, 3, 1)
    )


async def effects_of(admin: httpx.AsyncClient) -> dict[str, Any]:
    reply = (await admin.get("/_sim/effects")).raise_for_status()
    found: dict[str, Any] = reply.json()
    return found


async def test_counts_applied_repeated_and_refused_mutations_per_card(
    client: BpjsClient, admin: httpx.AsyncClient, seed: Seeder
) -> None:
    card = (await client.mutate(tambah())).no_kartu
    await client.mutate(tambah(tgl_berlaku=date(2025, 5, 1)))  # default mode: idempotent
    await client.mutate(kurang(card))
    await client.mutate(kurang(card))
    [worker_card] = await seed(PPU_WORKER)
    with pytest.raises(BpjsBusinessError):
        await client.mutate(tambah(nik=PPU_WORKER["nik"]))  # active in another segment
    with pytest.raises(BpjsBusinessError):
        await client.mutate(kurang(None, nik="1571010101900009"))  # holds no card

    effects = await effects_of(admin)

    assert effects["per_card"][card] == {
        "tambah_applied": 1,
        "tambah_repeated": 1,
        "kurang_applied": 1,
        "kurang_repeated": 1,
        "ubah_applied": 0,
        "ubah_repeated": 0,
        "refused": 0,
        "cards_issued": 1,
    }
    assert effects["per_card"][worker_card]["refused"] == 1
    assert set(effects["per_card"]) == {card, worker_card}
    assert effects["tambah_applied"] == 1
    assert effects["kurang_applied"] == 1
    assert effects["refused"] == 2  # the refusal without a card counts in the totals
    assert effects["cards_issued"] == 1


async def test_names_cards_never_niks(client: BpjsClient, admin: httpx.AsyncClient) -> None:
    await client.mutate(tambah())
    with pytest.raises(BpjsBusinessError):
        await client.mutate(kurang(None, nik="1571010101900009"))
    body = (await admin.get("/_sim/effects")).text
    assert NIK not in body
    assert "1571010101900009" not in body


async def test_seeding_is_no_effect_of_the_registration_port(
    seed: Seeder, admin: httpx.AsyncClient
) -> None:
    await seed(PPU_WORKER)
    effects = await effects_of(admin)
    assert effects["cards_issued"] == 0
    assert effects["per_card"] == {}


async def test_the_counters_can_be_reset_between_runs(
    client: BpjsClient, admin: httpx.AsyncClient
) -> None:
    await client.mutate(tambah())
    (await admin.delete("/_sim/effects")).raise_for_status()
    effects = await effects_of(admin)
    assert effects["tambah_applied"] == 0
    assert effects["per_card"] == {}


async def test_the_counters_survive_a_restart(
    client: BpjsClient, admin: httpx.AsyncClient, settings: SimSettings
) -> None:
    card = (await client.mutate(tambah())).no_kartu
    with pytest.raises(BpjsBusinessError):
        await client.mutate(kurang(None, nik="1571010101900009"))
    before = await effects_of(admin)

    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bpjs.test") as http:
            after = await effects_of(http)
    finally:
        app.state.sim.store.close()

    assert after == before
    assert after["per_card"][card]["tambah_applied"] == 1


def _rows_in_file(settings: SimSettings) -> dict[str, PesertaRow]:
    """The register as another process reads it: read-only, while the simulator runs."""
    db = sqlite3.connect(f"file:{settings.db_path}?mode=ro", uri=True)
    try:
        return {row[0]: PesertaRow(*row) for row in db.execute("SELECT * FROM peserta")}
    finally:
        db.close()


async def test_the_memory_index_agrees_with_the_file_before_and_after_a_restart(
    client: BpjsClient, seed: Seeder, settings: SimSettings, app: FastAPI
) -> None:
    seeded = await seed(PPU_WORKER, {**PPU_WORKER, "nik": "1571051208850005"})
    card = (await client.mutate(tambah())).no_kartu
    await client.mutate(kurang(card))
    await client.mutate(tambah(nik="1571075003950006"))
    running: SqliteStore = app.state.sim.store

    in_file = _rows_in_file(settings)

    assert set(in_file) == {*seeded, card, running.by_nik("1571075003950006")[0].no_kartu}
    assert all(running.by_card(no) == row for no, row in in_file.items())
    assert running.card_count() == len(in_file)
    reopened = SqliteStore(settings.db_path)
    try:
        assert all(reopened.by_card(no) == row for no, row in in_file.items())
        assert reopened.by_nik(NIK) == running.by_nik(NIK)
        assert reopened.card_count() == len(in_file)
        # the card counter came back too: the next card is a new one
        with reopened.writing() as writes:
            assert writes.next_card_number() not in in_file
    finally:
        reopened.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_an_answered_tambah_survives_a_sigkill_of_the_simulator(
    settings: SimSettings,
) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "BPJS_SIM_DB": str(settings.db_path),
        "BPJS_SIM_PORT": str(port),
        "BPJS_CONS_ID": settings.cons_id,
        "BPJS_SECRET": settings.secret,
        "BPJS_USER_KEY": settings.user_key,
        "BPJS_SIM_STRICT": "1",
    }
    base_url = f"http://127.0.0.1:{port}"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bpjs_sim",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=base_url) as http:

            async def healthy() -> bool:
                try:
                    return (await http.get("/_sim/health")).is_success
                except httpx.TransportError:
                    return False

            await eventually(healthy, timeout=30, interval=0.1)
        async with BpjsClient(
            base_url=base_url,
            cons_id=settings.cons_id,
            secret=settings.secret,
            user_key=settings.user_key,
            timeout=5.0,
        ) as client:
            card = (await client.mutate(tambah())).no_kartu
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()

    assert process.returncode == -signal.SIGKILL
    reopened = SqliteStore(settings.db_path)
    try:
        found = reopened.by_card(card)
        assert found is not None
        assert found.status == "0"
        effects = reopened.effects()
    finally:
        reopened.close()
    assert effects["per_card"][card]["tambah_applied"] == 1
    assert effects["cards_issued"] == 1


async def test_two_concurrent_tambah_for_one_new_nik_issue_one_card(
    client: BpjsClient, admin: httpx.AsyncClient
) -> None:
    first, second = await asyncio.gather(client.mutate(tambah()), client.mutate(tambah()))
    assert first.no_kartu == second.no_kartu
    effects = await effects_of(admin)
    assert effects["cards_issued"] == 1
    assert effects["per_card"][first.no_kartu]["tambah_applied"] == 1
    assert effects["per_card"][first.no_kartu]["tambah_repeated"] == 1


async def test_each_answer_is_compressed_and_encrypted_once(
    client: BpjsClient, seed: Seeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bpjs_sim.signed  # noqa: PLC0415 - the module whose encryption call is counted

    calls: list[str] = []
    encrypt = bpjs_sim.signed.encrypt_response

    def counting(obj: Any, cons_id: str, secret: str, ts: str) -> str:
        calls.append(ts)
        return encrypt(obj, cons_id, secret, ts)

    monkeypatch.setattr(bpjs_sim.signed, "encrypt_response", counting)
    [card] = await seed(PPU_WORKER)
    await client.peserta_by_card(card, ON)
    await client.mutate(tambah())
    assert len(calls) == 2
