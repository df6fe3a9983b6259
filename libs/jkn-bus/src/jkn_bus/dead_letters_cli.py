"""``python -m jkn_bus.dead_letters_cli``: an operator's command for a service's dead letters.

It speaks to the service's own endpoints (``GET /dead-letters``, ``GET
/dead-letters/{id}``, ``POST /dead-letters/replay``, role ``city-operator``): the service
holds its dead-letter rows, its topic's reader and the handlers that replay a record, so
the command needs no database or broker credentials of its own. What it prints holds no
personal data — the rows hold none (codes, exception classes, event types, pseudonymous
participant ids, positions on the dead-letter topic; :mod:`jkn_bus.dead_letters`).

    python -m jkn_bus.dead_letters_cli --url http://127.0.0.1:8002 list [--reason CODE]
    python -m jkn_bus.dead_letters_cli --url ... show ID
    python -m jkn_bus.dead_letters_cli --url ... replay (--ids 4,7 | --first-id 4 --last-id 9
                                                          | --reason HANDLER_FAILED)

A replay is safe to repeat: the inbox keys each record by its event id. Exit 0 when every
chosen record was applied (or already had been), 1 when one died again (back on the
dead-letter topic, its row keeping every death) or is no longer on the dead-letter topic
(``not_on_topic``: its retention removed it), 2 for a usage or access error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import httpx

from jkn_bus.cli_auth import CredentialsMissing, TokenUnavailable, auth_from, needs_a_token

__all__ = ["main"]

NEEDS = needs_a_token("a service's /dead-letters routes", "city-operator", "ops.kominfo")
_COLUMNS = (
    "id", "topic", "event_type", "participant_id", "reason", "attempts", "replays", "dead_at"
)  # fmt: skip


def _selection(args: argparse.Namespace) -> dict[str, Any]:
    chosen: dict[str, Any] = {"limit": args.limit}
    if getattr(args, "ids", None):  # replay only
        chosen["ids"] = args.ids
    for name in ("first_id", "last_id", "reason"):
        if getattr(args, name) is not None:
            chosen[name] = getattr(args, name)
    return chosen


def _ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("ids are numbers separated by commas") from None


class Refused(Exception):
    """The service answered with an error: the message is its codes, never a body quoted."""


def _checked(answer: httpx.Response) -> Any:
    if answer.status_code in (401, 403):
        raise Refused(f"HTTP {answer.status_code}: the token lacks the role city-operator")
    if answer.status_code >= 400:
        try:
            errors = answer.json().get("errors", [])
            codes = ", ".join(f"{e['field']} {e['rule']}" for e in errors) or "no code"
        except (ValueError, AttributeError, KeyError, TypeError):
            codes = "no code"
        raise Refused(f"HTTP {answer.status_code}: {codes}")
    return answer.json()


def _print_rows(rows: list[dict[str, Any]]) -> None:
    print("\t".join(_COLUMNS))
    for row in rows:
        print("\t".join(str(row.get(c, "")) for c in _COLUMNS))
    print(f"{len(rows)} dead letter(s)")


def run(args: argparse.Namespace, client: httpx.Client) -> int:
    """Carry out one parsed command against ``client`` (its base URL is the service)."""
    if args.command == "list":
        params = {k: v for k, v in _selection(args).items() if k != "ids"}
        _print_rows(_checked(client.get("/dead-letters", params=params))["dead_letters"])
        return 0
    if args.command == "show":
        row = _checked(client.get(f"/dead-letters/{args.id}"))
        for key, value in row.items():
            print(f"{key}: {value}")
        return 0
    chosen = _selection(args)
    if len(chosen) == 1:  # only the limit: nothing named
        print("replay: name the dead letters: --ids, --first-id/--last-id or --reason",
              file=sys.stderr)  # fmt: skip
        return 2
    outcomes: dict[str, str] = _checked(client.post("/dead-letters/replay", json=chosen))[
        "replayed"
    ]
    for dead_letter_id, outcome in outcomes.items():
        print(f"{dead_letter_id}\t{outcome}")
    died_again = [i for i, o in outcomes.items() if o == "dead_lettered"]
    lost = [i for i, o in outcomes.items() if o == "not_on_topic"]
    print(
        f"{len(outcomes)} chosen, {len(died_again)} dead again, {len(lost)} no longer on the topic"
    )
    return 1 if died_again or lost else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m jkn_bus.dead_letters_cli", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    top.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:8002")
    top.add_argument("--token", help="a bearer token (default: $JKN_ACCESS_TOKEN, else the "
                     "client credentials JKN_OIDC_TOKEN_URL/CLIENT_ID/CLIENT_SECRET)")  # fmt: skip
    commands = top.add_subparsers(dest="command", required=True)
    for name in ("list", "replay"):
        sub = commands.add_parser(name)
        if name == "replay":
            sub.add_argument("--ids", type=_ids, default=[], help="e.g. 4,7,9")
        sub.add_argument("--first-id", type=int)
        sub.add_argument("--last-id", type=int)
        sub.add_argument("--reason", help="a reason's prefix, e.g. HANDLER_FAILED")
        sub.add_argument("--limit", type=int, default=100)
    commands.add_parser("show").add_argument("id", type=int)
    return top


def main(argv: list[str] | None = None, *, transport: httpx.BaseTransport | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        auth = auth_from(args.token, needs=NEEDS)
    except CredentialsMissing as exc:
        # our own exception: its text names variables to set, never a value
        print(f"dead letters: {exc}", file=sys.stderr)
        return 2
    try:
        with httpx.Client(base_url=args.url.rstrip("/"), auth=auth, timeout=120,
                          transport=transport) as client:  # fmt: skip
            return run(args, client)
    except (Refused, TokenUnavailable) as exc:
        # our own exceptions: HTTP statuses and the service's or identity provider's codes
        print(f"dead letters: {exc}", file=sys.stderr)
        return 2
    except httpx.HTTPError as exc:
        print(f"dead letters: the service did not answer ({type(exc).__name__})", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
