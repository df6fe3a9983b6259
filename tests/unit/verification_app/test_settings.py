"""The verification service's settings from the environment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from verification.settings import VerificationSettings, bus_settings


def test_defaults_are_jambi_city_deciles_1_to_4_and_1000_slots(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "JKN_CITY_CODE",
        "JKN_ELIGIBLE_DECILES",
        "JKN_QUOTA_TOTAL",
        "JKN_UHC_PRIORITY",
        "JKN_REFERENCE_DIR",
        "VERIFICATION_HTTP_PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = VerificationSettings()
    assert settings.policy().city_code == "1571"
    assert settings.deciles == {1, 2, 3, 4}
    assert (settings.quota_total, settings.uhc_priority, settings.reference_dir) == (
        1000,
        False,
        None,
    )
    assert bus_settings().http_port == 8002


def test_reads_the_city_deciles_and_uhc_priority_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JKN_CITY_CODE", "1371")
    monkeypatch.setenv("JKN_ELIGIBLE_DECILES", "1, 2,3")
    monkeypatch.setenv("JKN_UHC_PRIORITY", "true")
    settings = VerificationSettings()
    assert settings.policy().city_code == "1371"
    assert settings.policy().eligible_deciles == frozenset({1, 2, 3})
    assert settings.uhc_priority is True


@pytest.mark.parametrize("deciles", ["", "0,1", "1,eleven", "11"])
def test_refuses_deciles_outside_1_to_10(monkeypatch: pytest.MonkeyPatch, deciles: str) -> None:
    monkeypatch.setenv("JKN_ELIGIBLE_DECILES", deciles)
    with pytest.raises(ValidationError, match="JKN_ELIGIBLE_DECILES"):
        VerificationSettings()
