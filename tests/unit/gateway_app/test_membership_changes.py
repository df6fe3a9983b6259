"""What the peserta sync counts as a change of a card at BPJS (pure rules, no I/O)."""

from __future__ import annotations

from bpjs_gateway.domain.membership import announced_membership, change_kind
from bpjs_gateway.settings import GatewaySettings
from jkn_contracts import Membership

CARD = "0001234567890"


def seen(jenis: str, status: str, *, jenis_label: str = "x", status_label: str = "y") -> Membership:
    return Membership(
        no_kartu=CARD,
        jenis_peserta_kode=jenis,
        jenis_peserta=jenis_label,
        status_kode=status,
        status=status_label,
    )


def test_the_announced_state_is_an_active_pbi_apbd_card() -> None:
    announced = announced_membership(CARD)
    assert (announced.jenis_peserta_kode, announced.status_kode) == ("22", "0")


def test_the_same_codes_are_no_change_even_when_bpjs_rewords_its_labels() -> None:
    assert change_kind(announced_membership(CARD), seen("22", "0", status_label="Aktif")) is None


def test_a_death_is_a_meninggal_change_even_with_a_new_segment() -> None:
    assert change_kind(announced_membership(CARD), seen("22", "2")) == "meninggal"
    assert change_kind(announced_membership(CARD), seen("13", "2")) == "meninggal"


def test_a_move_to_ppu_is_a_segment_change() -> None:
    assert change_kind(announced_membership(CARD), seen("13", "0")) == "segment"


def test_a_lapse_and_a_return_to_aktif_are_status_changes() -> None:
    assert change_kind(announced_membership(CARD), seen("22", "9")) == "status"
    assert change_kind(seen("22", "9"), seen("22", "0")) == "status"


def test_a_dead_card_moved_to_another_segment_later_is_a_segment_change() -> None:
    assert change_kind(seen("22", "2"), seen("13", "2")) == "segment"


def test_the_sync_runs_hourly_four_at_a_time_unless_configured() -> None:
    settings = GatewaySettings()
    assert (settings.sync_interval_s, settings.sync_concurrency) == (3600.0, 4)
    configured = GatewaySettings.model_validate({"BPJS_SYNC_INTERVAL_S": "0"})
    assert configured.sync_interval_s == 0
