from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from jkn_bus import BusSettings
from jkn_bus.service import ServiceRuntime
from notifications.app.handlers import Routing
from notifications.bootstrap import build_runtime
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


@pytest.fixture(scope="module")
async def runtime(notifications_settings: BusSettings) -> AsyncIterator[ServiceRuntime]:
    """Notifications' runtime (consumer, relay) without the app's own dispatcher."""
    rt = build_runtime(notifications_settings, Routing("dev_sink"))
    await rt.start()
    yield rt
    await rt.stop()
