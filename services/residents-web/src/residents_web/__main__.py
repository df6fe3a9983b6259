"""``python -m residents_web``: serve the residents' pages."""

from __future__ import annotations

import logging

import uvicorn
from jkn_bus.dev_secrets import DevSecretsOutsideDev
from jkn_bus.logs import configure_logging

from residents_web.bootstrap import SERVICE, build_app, bus_settings, refuse_dev_secrets
from residents_web.settings import WebSettings


def main() -> None:
    configure_logging(SERVICE)
    # httpx logs every request's URL at INFO, and the status API takes the receipt code in
    # its query: nothing a resident typed may reach a log line.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    bus, web = bus_settings(), WebSettings()
    try:
        refuse_dev_secrets(bus, web)
    except DevSecretsOutsideDev as exc:
        raise SystemExit(str(exc)) from None  # names the settings, never their values
    # uvicorn reads the client's address from X-Forwarded-For only when the request comes
    # from FORWARDED_ALLOW_IPS (default: this machine): the city's ingress in production.
    uvicorn.run(
        build_app(bus, web), host=bus.http_host, port=bus.http_port, log_config=None,
        access_log=False,
    )  # fmt: skip


if __name__ == "__main__":
    main()
