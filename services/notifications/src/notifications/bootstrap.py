"""Composition root of notifications: settings, channels, runtime, dispatcher, HTTP app.

Environment: NOTIFICATIONS_HTTP_PORT (8004), NOTIFY_CHANNEL (``dev_sink`` default, or
``live``), NOTIFY_PHONE_CHANNEL (``whatsapp`` default, or ``sms``), NOTIFY_MAX_ATTEMPTS (5),
NOTIFY_DISPATCHERS (2 sending tasks), NOTIFICATIONS_DISPATCH_BATCH (50 messages a round),
NOTIFICATIONS_FEEDBACK_DUE_DAYS (response deadlines per kind of feedback, default
``pengaduan=5,pertanyaan=3,masukan=14`` calendar days),
NOTIFICATIONS_FEEDBACK_FAILURES_PER_10MIN (30 failed status look-ups per client), the
webhook secrets NOTIFICATIONS_WHATSAPP_APP_SECRET, NOTIFICATIONS_SMS_WEBHOOK_SECRET and
NOTIFICATIONS_WEBHOOK_MAX_AGE_S (settings.py), plus the jkn_bus variables.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime, create_app, load_migrations
from jkn_bus.background import add_background, task_while_serving
from jkn_bus.keyring import Keyring, Sealer
from jkn_bus.limits import FailureLimiter
from jkn_contracts import CONSUMERS

from notifications.adapters.at_rest import NotificationsColumns, backfill, columns_for
from notifications.adapters.channels import DevSinkChannel, MessageChannel, UnconfiguredChannel
from notifications.adapters.feedback_book import sql_feedback_book
from notifications.adapters.mailroom import sql_mailroom
from notifications.adapters.messages import WAKE_CHANNEL
from notifications.adapters.metrics import PrometheusFeedbackMetrics
from notifications.adapters.outbox import sql_outbox
from notifications.app.dispatcher import Dispatcher
from notifications.app.feedback import feedback_desk
from notifications.app.handlers import Routing, handlers
from notifications.entrypoints import feedback_http
from notifications.entrypoints.http import router
from notifications.entrypoints.webhooks import install_webhook_verification
from notifications.settings import NotificationsSettings, WebhookSettings

__all__ = ["build_app", "build_runtime", "dispatcher", "routing", "settings"]

# the topics carrying the events it handles (the catalogue's: jkn_contracts.subscriptions)
CONSUMES = CONSUMERS["notifications"]
CHANNELS = ("sms", "whatsapp", "email", "dev_sink")


def settings(own: NotificationsSettings | None = None) -> BusSettings:
    """The bus settings of this process, on the service's own HTTP port."""
    own = own or NotificationsSettings()
    return BusSettings(service="notifications", http_port=own.http_port)


def routing(own: NotificationsSettings | None = None) -> Routing:
    """How messages leave (``NOTIFY_CHANNEL``, ``NOTIFY_PHONE_CHANNEL``); a value other than
    the allowed ones stops the service at start, naming the variable."""
    own = own or NotificationsSettings()
    return Routing(own.channel, own.phone_channel)


def build_runtime(bus: BusSettings | None = None, route: Routing | None = None) -> ServiceRuntime:
    webhooks = WebhookSettings()  # its secrets are refused at start outside development
    keks = (bus or settings()).key_encryption_keys()
    keyring = Keyring(keks)  # one, for the events' sealed fields and the columns at rest
    return ServiceRuntime(
        bus or settings(),
        migrations=load_migrations(Path(__file__).parent / "migrations"),
        consumes=CONSUMES,
        handlers=handlers(
            route or routing(), Sealer(keyring), sql_mailroom(columns_for(keks, keyring))
        ),
        secrets={
            "NOTIFICATIONS_WHATSAPP_APP_SECRET": webhooks.whatsapp_app_secret,
            "NOTIFICATIONS_SMS_WEBHOOK_SECRET": webhooks.sms_webhook_secret,
        },
    )


def channels_for(
    runtime: ServiceRuntime, route: Routing, columns: NotificationsColumns
) -> dict[str, MessageChannel]:
    """In development every channel is the sink (its copies sealed as the messages are).
    Live providers plug in here; until one is configured its messages fail visibly
    (UnconfiguredChannel)."""
    if route.mode == "dev_sink":
        sink = DevSinkChannel(runtime.pool, columns)
        return dict.fromkeys(CHANNELS, sink)
    return {name: UnconfiguredChannel(name) for name in CHANNELS}


def dispatcher(
    runtime: ServiceRuntime,
    channels: Mapping[str, MessageChannel],
    columns: NotificationsColumns | None = None,
    *,
    workers: int = 2,
    batch: int = 50,
    max_attempts: int = 5,
    backoff_s: Sequence[float] = (2.0, 10.0, 60.0, 300.0),
    poll_interval_s: float = 1.0,
) -> Dispatcher:
    """A dispatcher over the SQL outbox (``columns`` default: under the runtime's KEKs)."""
    columns = columns or columns_for(runtime.settings.key_encryption_keys())
    return Dispatcher(
        runtime, channels, sql_outbox(columns), wake_channel=WAKE_CHANNEL,
        workers=workers, batch=batch, max_attempts=max_attempts, backoff_s=backoff_s,
        poll_interval_s=poll_interval_s,
    )  # fmt: skip


def build_app(
    runtime: ServiceRuntime | None = None,
    route: Routing | None = None,
    *,
    dispatch_poll_interval_s: float = 1.0,
    feedback_clock: Callable[[], datetime] | None = None,
    own: NotificationsSettings | None = None,
) -> FastAPI:
    """The HTTP app; its lifespan starts the runtime, then the dispatcher and the at-rest
    backfill (once, until every row written in clear is sealed), and stops them before the
    runtime closes the pool. ``feedback_clock`` (tests) replaces the feedback channel's
    clock."""
    own = own or NotificationsSettings()  # read once, here
    route = route or routing(own)
    runtime = runtime or build_runtime(settings(own), route=route)
    columns = columns_for(runtime.settings.key_encryption_keys())
    desk = feedback_desk(
        runtime,
        sql_feedback_book(columns),
        PrometheusFeedbackMetrics(lambda: runtime.pool),
        feedback_clock,
        own.feedback_due_days,
    )
    app: FastAPI = create_app(
        runtime,
        title="notifications",
        description="Messages to residents (SMS, WhatsApp, e-mail; a sink in development) "
        "about their proposal, verification, activation and deactivation; the feedback "
        "channel (questions, complaints, input) routed to the agency in charge.",
        routers=[router, feedback_http.router],
        before_metrics=desk.refresh_metrics,
    )
    app.state.feedback = desk
    app.state.at_rest = columns  # the routes open what they serve
    install_webhook_verification(app, WebhookSettings(), desk.clock)
    app.state.feedback_limiter = FailureLimiter(own.feedback_failures_per_10min)

    @contextlib.asynccontextmanager
    async def dispatching() -> AsyncIterator[None]:
        # built once the runtime has started: the channels write through its pool
        sending = dispatcher(
            runtime,
            channels_for(runtime, route, columns),
            columns,
            workers=own.dispatchers,
            batch=own.dispatch_batch,
            max_attempts=own.max_attempts,
            poll_interval_s=dispatch_poll_interval_s,
        )
        await sending.start()
        app.state.dispatcher = sending
        try:
            yield
        finally:
            await sending.stop()

    add_background(app, dispatching)
    add_background(
        app,
        task_while_serving("notifications-at-rest", lambda: backfill(runtime.pool, columns).run()),
    )
    return app
