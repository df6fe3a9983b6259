"""The operator's dead-letter command (jkn_bus.dead_letters_cli) against a fake service:
what it asks for, what it prints (rows without personal data), and its exit codes — a
record that died again, or that the topic no longer holds, is a failure the operator sees."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from jkn_bus.dead_letters_cli import main

URL = "http://verification.test"
ROW = {
    "id": 7, "topic": "jkn.dinsos.participants", "partition": 2, "offset": 41,
    "reason": "HANDLER_FAILED: UniqueViolationError", "attempts": 4,
    "event_type": "ParticipantRegistered", "participant_id": "P1234abcd",
    "dead_at": "2026-11-29T10:00:00+00:00", "dlq_partition": 0, "dlq_offset": 3,
    "replays": 0, "replayed_at": None, "replay_outcome": None, "history": [],
}  # fmt: skip


def _errors(field: str, rule: str) -> dict[str, Any]:
    return {"errors": [{"field": field, "rule": rule, "message": "-"}]}


class Service:
    """Answers the three dead-letter routes to the token ``ops``; records what was asked."""

    def __init__(self, outcomes: dict[str, str] | None = None) -> None:
        self.asked: list[tuple[str, str, Any]] = []
        self.outcomes = outcomes or {"7": "applied"}

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != "Bearer ops":
            return httpx.Response(403, json=_errors("authorization", "ROLE"))
        body = json.loads(request.content) if request.content else None
        self.asked.append((request.method, request.url.path, body or dict(request.url.params)))
        if request.url.path == "/dead-letters":
            return httpx.Response(200, json={"dead_letters": [ROW]})
        if request.url.path == "/dead-letters/7":
            return httpx.Response(200, json=ROW)
        if request.url.path == "/dead-letters/8":
            return httpx.Response(404, json=_errors("dead_letter_id", "NOT_FOUND"))
        return httpx.Response(200, json={"replayed": self.outcomes})


def _run(service: Service, *argv: str, token: str = "ops") -> int:  # noqa: S107 - a fake's
    return main(
        ["--url", URL, "--token", token, *argv], transport=httpx.MockTransport(service.handle)
    )


def test_listing_asks_by_reason_and_prints_codes_and_pseudonyms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = Service()
    assert _run(service, "list", "--reason", "HANDLER_FAILED") == 0
    assert service.asked == [("GET", "/dead-letters", {"limit": "100", "reason": "HANDLER_FAILED"})]
    out = capsys.readouterr().out
    assert "P1234abcd" in out
    assert "HANDLER_FAILED: UniqueViolationError" in out
    assert "1 dead letter(s)" in out


def test_a_replay_by_ids_that_applies_every_record_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = Service({"7": "applied", "9": "duplicate"})
    assert _run(service, "replay", "--ids", "7,9") == 0
    assert service.asked == [("POST", "/dead-letters/replay", {"limit": 100, "ids": [7, 9]})]
    assert "2 chosen, 0 dead again" in capsys.readouterr().out


@pytest.mark.parametrize("outcome", ["dead_lettered", "not_on_topic"])
def test_a_record_that_died_again_or_is_gone_makes_the_replay_fail(outcome: str) -> None:
    assert _run(Service({"7": outcome}), "replay", "--first-id", "7", "--last-id", "7") == 1


def test_a_replay_that_names_nothing_is_refused_before_asking(
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = Service()
    assert _run(service, "replay") == 2
    assert service.asked == []
    assert "name the dead letters" in capsys.readouterr().err


def test_a_token_without_the_operator_role_is_told_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(Service(), "show", "7", token="officer") == 2  # noqa: S106 - a fake's
    assert "city-operator" in capsys.readouterr().err


def test_an_unknown_id_answers_with_the_services_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(Service(), "show", "8") == 2
    assert "dead_letter_id NOT_FOUND" in capsys.readouterr().err


def test_without_any_credentials_it_says_what_to_set(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("JKN_ACCESS_TOKEN", "JKN_OIDC_TOKEN_URL", "JKN_OIDC_CLIENT_ID",
                 "JKN_OIDC_CLIENT_SECRET"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    assert main(["--url", URL, "list"]) == 2
    err = capsys.readouterr().err
    assert "city-operator" in err
    assert "JKN_ACCESS_TOKEN" in err
