"""The agencies' public APIs the pages are a face of: each agency keeps its own data and its
own rules (enrollment answers the receipt-code status, notifications owns the feedback
channel); this service only asks them, as the resident would, on the resident's behalf.

The resident's address goes along as ``X-Forwarded-For`` so that the APIs' failed-look-up
limits count the resident, not this page (their uvicorn trusts the header only from the
addresses in ``FORWARDED_ALLOW_IPS``: this page's). Nothing the resident typed is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["Answer", "Apis"]


@dataclass(frozen=True)
class Answer:
    """What an API answered: ``kind`` is ``ok``, ``not_found``, ``invalid`` (with the
    field errors), ``too_many`` or ``unavailable``; ``body`` the JSON of an ``ok``."""

    kind: str
    body: dict[str, Any]
    errors: tuple[dict[str, str], ...] = ()


_UNAVAILABLE = Answer("unavailable", {})


def _answer(resp: httpx.Response, ok: int = 200) -> Answer:
    if resp.status_code == ok:
        return Answer("ok", resp.json())
    if resp.status_code == 404:
        return Answer("not_found", {})
    if resp.status_code == 429:
        return Answer("too_many", {})
    if resp.status_code == 422:
        errors = resp.json().get("errors", [])
        return Answer(
            "invalid", {}, tuple({"field": e["field"], "rule": e["rule"]} for e in errors)
        )
    return _UNAVAILABLE


class Apis:
    """One HTTP client for both agencies (kept open for the process's life)."""

    def __init__(self, enrollment: str, notifications: str, *, timeout_s: float) -> None:
        self._enrollment = enrollment.rstrip("/")
        self._notifications = notifications.rstrip("/")
        self._http = httpx.AsyncClient(timeout=timeout_s)

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, url: str, client: str, **kwargs: Any) -> httpx.Response:
        return await self._http.request(method, url, headers={"X-Forwarded-For": client}, **kwargs)

    async def proposal_status(self, receipt_code: str, birth_date: str, client: str) -> Answer:
        """Enrollment's ``POST /proposals/status``: the code and the birth date travel in
        the body, never in an address the resident's browser or a proxy keeps."""
        body = {"receipt_code": receipt_code, "birth_date": birth_date}
        try:
            resp = await self._call(
                "POST", f"{self._enrollment}/proposals/status", client, json=body
            )
        except httpx.HTTPError:
            return _UNAVAILABLE
        return _answer(resp)

    async def submit_feedback(self, form: dict[str, Any], client: str) -> Answer:
        """Notifications' ``POST /feedback``: 201 with the tracking number and access code."""
        try:
            resp = await self._call("POST", f"{self._notifications}/feedback", client, json=form)
        except httpx.HTTPError:
            return _UNAVAILABLE
        return _answer(resp, ok=201)

    async def access_report(self, form: dict[str, Any], client: str) -> Answer:
        """Enrollment's ``POST /residents/access`` (receipt code, NIK, birth date in the
        body): the resident's access report, written in ``form["lang"]``."""
        try:
            resp = await self._call(
                "POST", f"{self._enrollment}/residents/access", client, json=form
            )
        except httpx.HTTPError:
            return _UNAVAILABLE
        return _answer(resp)

    async def track(self, tracking_number: str, code: str, client: str) -> Answer:
        """Notifications' ``GET /feedback/{tracking}?code=``."""
        try:
            resp = await self._call(
                "GET",
                f"{self._notifications}/feedback/{tracking_number}",
                client,
                params={"code": code},
            )
        except httpx.HTTPError:
            return _UNAVAILABLE
        return _answer(resp)
