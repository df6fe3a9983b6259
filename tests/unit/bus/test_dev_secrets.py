"""Outside development (JKN_ENV other than dev) a service refuses to start on a published
development secret, naming the setting and never its value (jkn_bus.dev_secrets)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from bpjs_gateway.bootstrap import build_runtime as gateway_runtime
from bpjs_gateway.settings import GatewaySettings
from enrollment.adapters.audit_client import DEV_CLIENT_SECRET
from enrollment.bootstrap import build_runtime as enrollment_runtime
from enrollment.settings import DEV_RECEIPT_KEY
from jkn_bus import BusSettings, ServiceRuntime, serve
from jkn_bus.dev_secrets import (
    DEV_SECRETS,
    DevSecretsOutsideDev,
    dev_defaults_in_use,
    refuse_dev_secrets,
)
from notifications.app.handlers import Routing
from notifications.bootstrap import build_runtime as notifications_runtime
from notifications.settings import DEV_SMS_WEBHOOK_SECRET, DEV_WHATSAPP_APP_SECRET

GOOD_URL = "postgresql://enrollment:Zr8x3sQ0pV@db.internal:5432/jkn?sslmode=verify-full"
GOOD_KEY = "a-long-random-production-pseudonym-key-7f3a"
GOOD_KAFKA = "kafka-password-of-the-deployment-5d1e"
GOOD_KEKS = "city-kek-1=" + base64.b64encode(b"a 32-byte KEK of the deployment!").decode()
SECRET_VARIABLES = (
    "JKN_ENV",
    "KAFKA_SASL_PASSWORD",
    "JKN_PSEUDONYM_KEY",
    "ENROLLMENT_RECEIPT_KEY",
    "NOTIFICATIONS_WHATSAPP_APP_SECRET",
    "NOTIFICATIONS_SMS_WEBHOOK_SECRET",
    "BPJS_SECRET",
    "BPJS_USER_KEY",
    "ENROLLMENT_DATABASE_URL",
    "NOTIFICATIONS_DATABASE_URL",
    "BPJS_GATEWAY_DATABASE_URL",
    "JKN_KEKS",
    "JKN_KEK_FILE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRET_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def bus(service: str = "enrollment", **values: Any) -> BusSettings:
    defaults = {
        "jkn_env": "production",
        "jkn_pseudonym_key": GOOD_KEY,
        "database_url": GOOD_URL,
        "kafka_sasl_password": GOOD_KAFKA,
        "jkn_keks": GOOD_KEKS,
    }
    return BusSettings(service=service, **(defaults | values))


def refused(settings: BusSettings, secrets: dict[str, str | None] | None = None) -> list[str]:
    with pytest.raises(DevSecretsOutsideDev) as caught:
        refuse_dev_secrets(settings, secrets or {})
    return caught.value.settings


def test_in_development_the_defaults_are_fine() -> None:
    settings = BusSettings(service="enrollment")
    assert settings.jkn_env == "dev"
    refuse_dev_secrets(settings, {"ENROLLMENT_RECEIPT_KEY": DEV_RECEIPT_KEY})


def test_jkn_env_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JKN_ENV", "production")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", GOOD_KAFKA)
    assert refused(BusSettings(service="audit")) == ["AUDIT_DATABASE_URL", "JKN_PSEUDONYM_KEY"]


def test_production_with_its_own_secrets_starts() -> None:
    refuse_dev_secrets(bus(), {"ENROLLMENT_RECEIPT_KEY": "receipt-key-of-the-city-91b2"})
    refuse_dev_secrets(bus(jkn_env="staging"), {})


def test_any_environment_but_dev_is_not_development() -> None:
    for env in ("production", "staging", "prod", ""):
        assert refused(bus(jkn_env=env, jkn_pseudonym_key="dev-only-pseudonym-key")) == [
            "JKN_PSEUDONYM_KEY"
        ]


def test_the_error_names_the_settings_and_never_their_values() -> None:
    with pytest.raises(DevSecretsOutsideDev) as caught:
        refuse_dev_secrets(
            bus(jkn_pseudonym_key="dev-only-pseudonym-key"),
            {"ENROLLMENT_RECEIPT_KEY": DEV_RECEIPT_KEY},
        )
    text = str(caught.value)
    assert "JKN_PSEUDONYM_KEY" in text
    assert "ENROLLMENT_RECEIPT_KEY" in text
    assert "JKN_ENV" in text
    assert "dev-only" not in text


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://enrollment:enrollment-dev@127.0.0.1:55432/jkn",
        "postgresql://postgres:postgres@postgres:5432/jkn",
        "postgresql://enrollment:anything-dev@db:5432/jkn?sslmode=require",
        "postgresql://enrollment:change-me-enrollment@postgres:5432/jkn",
    ],
)
def test_a_database_password_of_development_is_refused(url: str) -> None:
    assert refused(bus(database_url=url)) == ["ENROLLMENT_DATABASE_URL"]


def test_a_database_url_without_a_password_is_not_judged() -> None:
    refuse_dev_secrets(bus(database_url="postgresql://enrollment@db:5432/jkn?sslmode=verify-full"))


def test_the_default_database_url_of_each_service_is_refused() -> None:
    for service in ("enrollment", "verification", "bpjs-gateway", "notifications", "audit"):
        settings = BusSettings(
            service=service,
            jkn_env="production",
            jkn_pseudonym_key=GOOD_KEY,
            kafka_sasl_password=GOOD_KAFKA,
            jkn_keks=GOOD_KEKS,
        )
        assert refused(settings) == [f"{service.replace('-', '_').upper()}_DATABASE_URL"]


def test_each_listed_default_and_any_placeholder_is_refused() -> None:
    for name, values in DEV_SECRETS:
        for value in values:
            concrete = value.format(service="bpjs-gateway", role="bpjs_gateway")
            assert refused(bus(service="bpjs-gateway"), {name: concrete}) == [name], name
    assert refused(bus(), {"ANY_SECRET": "change-me-please"}) == ["ANY_SECRET"]


def test_the_kafka_password_of_development_is_refused_for_its_own_service() -> None:
    found = dev_defaults_in_use(
        {"KAFKA_SASL_PASSWORD": "bpjs_gateway-dev"}, service="bpjs-gateway"
    ) + dev_defaults_in_use({"KAFKA_SASL_PASSWORD": "bpjs-gateway-dev"}, service="bpjs-gateway")
    assert found == ["KAFKA_SASL_PASSWORD", "KAFKA_SASL_PASSWORD"]
    assert dev_defaults_in_use({"KAFKA_SASL_PASSWORD": "s3cr3t-kafka"}, service="audit") == []


def test_the_bus_s_default_kafka_password_is_refused() -> None:
    production = {
        "jkn_env": "production",
        "jkn_pseudonym_key": GOOD_KEY,
        "database_url": GOOD_URL,
        "jkn_keks": GOOD_KEKS,
    }
    by_default = BusSettings(service="bpjs-gateway", **production)  # '<service>-dev'
    assert refused(by_default) == ["KAFKA_SASL_PASSWORD"]
    refuse_dev_secrets(
        BusSettings(service="bpjs-gateway", kafka_sasl_password=GOOD_KAFKA, **production)
    )


def test_every_service_s_own_dev_default_is_on_the_list() -> None:
    listed = {name: set(values) for name, values in DEV_SECRETS}
    gateway = GatewaySettings()
    assert DEV_RECEIPT_KEY in listed["ENROLLMENT_RECEIPT_KEY"]
    assert DEV_CLIENT_SECRET in listed["ENROLLMENT_OIDC_CLIENT_SECRET"]
    assert DEV_WHATSAPP_APP_SECRET in listed["NOTIFICATIONS_WHATSAPP_APP_SECRET"]
    assert DEV_SMS_WEBHOOK_SECRET in listed["NOTIFICATIONS_SMS_WEBHOOK_SECRET"]
    assert gateway.bpjs_secret in listed["BPJS_SECRET"]
    assert gateway.bpjs_user_key in listed["BPJS_USER_KEY"]
    assert BusSettings(service="x").jkn_pseudonym_key in listed["JKN_PSEUDONYM_KEY"]


async def test_a_runtime_refuses_to_start_before_it_connects_to_anything() -> None:
    # nothing listens there: reaching it would be another error than the refusal
    settings = bus(
        database_url="postgresql://enrollment:enrollment-dev@127.0.0.1:9/jkn",
        kafka_bootstrap_servers="127.0.0.1:9",
    )
    with pytest.raises(DevSecretsOutsideDev):
        await ServiceRuntime(settings).start()


@pytest.mark.parametrize(
    ("build", "service", "expected"),
    [
        (
            enrollment_runtime,
            "enrollment",
            {"ENROLLMENT_RECEIPT_KEY", "ENROLLMENT_OIDC_CLIENT_SECRET"},
        ),
        (
            lambda b: notifications_runtime(b, Routing("dev_sink")),
            "notifications",
            {"NOTIFICATIONS_WHATSAPP_APP_SECRET", "NOTIFICATIONS_SMS_WEBHOOK_SECRET"},
        ),
        (
            lambda b: gateway_runtime(GatewaySettings(), bpjs=None, bus=b),  # type: ignore[arg-type]
            "bpjs-gateway",
            {"BPJS_SECRET", "BPJS_USER_KEY"},
        ),
    ],
)
async def test_each_service_hands_its_own_secrets_to_the_check(
    build: Any, service: str, expected: set[str]
) -> None:
    runtime: ServiceRuntime = build(bus(service=service))
    with pytest.raises(DevSecretsOutsideDev) as caught:
        await runtime.start()
    assert set(caught.value.settings) == expected


def test_serve_exits_naming_the_settings_before_listening() -> None:
    runtime = ServiceRuntime(bus(jkn_pseudonym_key="dev-only-pseudonym-key"))
    with pytest.raises(SystemExit) as caught:
        serve(None, runtime)  # type: ignore[arg-type]  # never reaches the app
    assert "JKN_PSEUDONYM_KEY" in str(caught.value.code)
    assert "dev-only" not in str(caught.value.code)
