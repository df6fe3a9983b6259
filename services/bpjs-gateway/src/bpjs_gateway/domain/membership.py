"""Comparing BPJS's record of a card with the state the gateway last knew (peserta sync).

BPJS changes cards on its own side: a death reported by Dukcapil (status 2 Meninggal), a
resident who found a job and moved to segment 13 (PPU), a lapse. The city learns of it
only by looking the card up. A change is a difference in the *codes* (segment, status);
BPJS's labels (keterangan) may be reworded without anything happening to the resident.
"""

from __future__ import annotations

from typing import Literal

from jkn_contracts import Membership

from bpjs_gateway.domain.peserta import JENIS_PBI_APBD, STATUS_AKTIF, STATUS_MENINGGAL, Peserta

__all__ = ["ChangeKind", "announced_membership", "change_kind", "membership_of"]

ChangeKind = Literal["meninggal", "segment", "status"]


def membership_of(peserta: Peserta) -> Membership:
    """The contract's view of a peserta: card, segment and status (no personal data)."""
    return Membership(
        no_kartu=peserta.no_kartu,
        jenis_peserta_kode=peserta.jenis_peserta.kode,
        jenis_peserta=peserta.jenis_peserta.keterangan,
        status_kode=peserta.status_peserta.kode,
        status=peserta.status_peserta.keterangan,
    )


def announced_membership(no_kartu: str) -> Membership:
    """What ``ParticipantActivated`` told the city: an active PBI APBD card."""
    return Membership(
        no_kartu=no_kartu,
        jenis_peserta_kode=JENIS_PBI_APBD,
        jenis_peserta="PBI (APBD)",
        status_kode=STATUS_AKTIF,
        status="AKTIF",
    )


def change_kind(previous: Membership, current: Membership) -> ChangeKind | None:
    """How ``current`` differs from ``previous``; None when the codes are the same.

    A death outranks everything else; then a move to another segment; then any other
    status change (a lapse, a suspension, a return to AKTIF).
    """
    if (previous.jenis_peserta_kode, previous.status_kode) == (
        current.jenis_peserta_kode,
        current.status_kode,
    ):
        return None
    if current.status_kode == STATUS_MENINGGAL and previous.status_kode != STATUS_MENINGGAL:
        return "meninggal"
    if current.jenis_peserta_kode != previous.jenis_peserta_kode:
        return "segment"
    return "status"
