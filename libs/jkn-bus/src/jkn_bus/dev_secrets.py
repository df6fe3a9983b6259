"""No development secret outside development: a service refuses to start when
``JKN_ENV`` is not ``dev`` and one of its secrets still holds a published dev default.

Every default below is in this repository for anyone to read, so a deployment that keeps
one is open: participant pseudonyms could be computed from NIKs, receipt codes forged,
webhooks signed by anyone, databases logged into. The error names the settings, never
their values. Extend :data:`DEV_SECRETS` when a secret with a dev default is added.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from jkn_bus.personal_data import DEV_KEKS
from jkn_bus.settings import BusSettings

__all__ = [
    "DEV_ENV",
    "DEV_SECRETS",
    "DevSecretsOutsideDev",
    "dev_defaults_in_use",
    "refuse_dev_secrets",
]

DEV_ENV = "dev"

DEV_SECRETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("JKN_PSEUDONYM_KEY", ("dev-only-pseudonym-key",)),
    ("ENROLLMENT_RECEIPT_KEY", ("dev-only-receipt-key",)),
    # enrollment's client secret at the identity provider (the audit history it reads)
    ("ENROLLMENT_OIDC_CLIENT_SECRET", ("enrollment-dev-secret",)),
    ("NOTIFICATIONS_WHATSAPP_APP_SECRET", ("dev-only-whatsapp-app-secret",)),
    ("NOTIFICATIONS_SMS_WEBHOOK_SECRET", ("dev-only-sms-webhook-secret",)),
    ("BPJS_SECRET", ("sim-secret-dev",)),
    ("BPJS_USER_KEY", ("sim-user-key-dev",)),
    ("KAFKA_SASL_PASSWORD", ("{service}-dev", "{role}-dev")),
    ("JKN_KEKS", (DEV_KEKS,)),
)
"""(setting, its known development values); ``{service}`` / ``{role}`` stand for the
service's name (``bpjs-gateway``) and its role (``bpjs_gateway``). Database URLs are judged
by their password instead (:func:`_dev_database_url`), and anything starting with
``change-me`` is a placeholder wherever it is."""

_DEV_DB_PASSWORDS = ("postgres",)


class DevSecretsOutsideDev(RuntimeError):
    """Raised at start-up; ``settings`` are the names of the offending settings."""

    def __init__(self, settings: Iterable[str]) -> None:
        self.settings = sorted(settings)
        super().__init__(
            "outside development (JKN_ENV is not 'dev') these settings still hold a "
            "development default or a placeholder: "
            + ", ".join(self.settings)
            + ". Set them to the deployment's own secrets."
        )


def _dev_database_url(url: str) -> bool:
    try:
        password = urlsplit(url).password
    except ValueError:
        return False  # not a URL we can judge; asyncpg will say what is wrong with it
    return password is not None and (
        password.endswith("-dev") or password in _DEV_DB_PASSWORDS or _placeholder(password)
    )


def _dev_kek_listed(keks: str) -> str:
    return DEV_KEKS if DEV_KEKS.partition("=")[2] in keks else keks


def _placeholder(value: str) -> bool:
    return value.strip().lower().startswith("change-me")


def dev_defaults_in_use(secrets: Mapping[str, str | None], *, service: str) -> list[str]:
    """The names among ``secrets`` (setting name -> value) that hold a dev default."""
    known = {
        name: {v.format(service=service, role=service.replace("-", "_")) for v in values}
        for name, values in DEV_SECRETS
    }
    found = []
    for name, value in secrets.items():
        if value is None:
            continue
        if (
            value in known.get(name, ())
            or _placeholder(value)
            or (name.endswith("_URL") and _dev_database_url(value))
        ):
            found.append(name)
    return found


def refuse_dev_secrets(
    settings: BusSettings, secrets: Mapping[str, str | None] | None = None
) -> None:
    """Raise :class:`DevSecretsOutsideDev` when ``settings.jkn_env`` is not ``dev`` and the
    bus's secrets (pseudonym key, database URL, Kafka password) or the service's own
    ``secrets`` hold a development default. In ``dev`` it checks nothing."""
    if settings.jkn_env.strip().lower() == DEV_ENV:
        return
    role = settings.service.replace("-", "_")
    values: dict[str, str | None] = {
        "JKN_PSEUDONYM_KEY": settings.jkn_pseudonym_key,
        f"{role.upper()}_DATABASE_URL": settings.database_url,
        "KAFKA_SASL_PASSWORD": settings.kafka_sasl_password.get_secret_value(),
        # the keyring's KEKs: a KEK file (a mounted Secret, or a KMS in its place) wins;
        # a list that still holds the dev KEK (even next to others) counts as the dev one
        "JKN_KEKS": None
        if settings.jkn_kek_file or not settings.jkn_keks
        else _dev_kek_listed(settings.jkn_keks),
        **(secrets or {}),
    }
    found = dev_defaults_in_use(values, service=settings.service)
    if found:
        raise DevSecretsOutsideDev(found)
