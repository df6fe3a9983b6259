from __future__ import annotations

import os

import pytest
from jkn_bus import BusSettings
from support.sealed import ESCROW_TO

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


@pytest.fixture(scope="module")
def notifications_settings(database: dict[str, str], topic_prefix: str) -> BusSettings:
    return BusSettings(
        service="notifications", database_url=database["notifications"],
        jkn_topic_prefix=topic_prefix, kafka_bootstrap_servers=BOOTSTRAP,
        relay_poll_interval_s=0.2,
    )  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _keys_go_to_this_database(database: dict[str, str]) -> None:
    """support.sealed.escrow() hands the residents' keys to this module's keyring."""
    ESCROW_TO["url"] = database["enrollment"]
