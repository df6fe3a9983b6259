"""``python -m enrollment import FILE``: upload a CSV of proposals and follow its progress;
``--receipts OUT.csv`` saves the receipt code of each proposal it created, by line.

It calls the enrollment service with a bearer token (``cli_auth``): ``--token`` or
``JKN_ACCESS_TOKEN`` (an officer's), else a system's client credentials
(``JKN_OIDC_TOKEN_URL``, ``JKN_OIDC_CLIENT_ID``, ``JKN_OIDC_CLIENT_SECRET``), renewed
while a long import runs. Without one it says what to set and exits with 2, as it does
when the service or the identity provider refuses the credentials. The token is never
printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from enrollment.entrypoints.cli_auth import (
    BearerToken,
    ClientCredentials,
    CredentialsMissing,
    TokenUnavailable,
    auth_from,
)

__all__ = ["import_file", "main"]

_FINAL = {"completed", "failed", "interrupted"}
_ROLES = "dinsos-officer or dinsos-system"


class _Refused(Exception):
    """The service answered 401 or 403: the caller's token, not the file, is the problem."""

    def __init__(self, response: httpx.Response) -> None:
        try:
            response.read()  # a streamed download's answer too
            body = response.json()
        except ValueError:
            body = {}
        self.status = response.status_code
        self.reason = str(body.get("reason", "")) if isinstance(body, dict) else ""
        super().__init__(f"{self.status} {self.reason}")


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code in (401, 403):
        raise _Refused(response)
    return response


def _chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with path.open("rb") as f:
        while block := f.read(size):
            yield block


def _line(p: dict[str, object]) -> str:
    return (
        f"{p['status']}: {p['lines_read']} rows read, {p['accepted']} accepted, "
        f"{p['rejected']} rejected, {p['duplicates']} duplicates, {p['warnings']} warnings "
        f"(committed through line {p['last_committed_line']})"
    )


def _refusal(refused: _Refused, auth: httpx.Auth) -> str:
    """What to tell the caller about a 401/403 (the reason code, never the token)."""
    reason = f" ({refused.reason})" if refused.reason else ""
    if refused.status == 403:
        return f"the enrollment service refused this caller{reason}: importing needs {_ROLES}"
    if isinstance(auth, BearerToken):
        hint = "get a new token and try again" if refused.reason == "TOKEN_EXPIRED" else ""
        hint = hint or "is it a token of the issuer the service trusts, for its audience?"
        return f"the enrollment service refused the token{reason}: {hint}"
    return f"the enrollment service refused the client's token{reason}"


def import_file(
    path: Path,
    *,
    url: str,
    proposed_by: str,
    auth: httpx.Auth,
    receipts: Path | None = None,
    interval_s: float = 1.0,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Upload ``path``, print progress until the import ends, then the errors (and save
    the receipts to ``receipts``); exit code (2: credentials refused or missing)."""
    import_id: str | None = None
    with httpx.Client(
        base_url=url, timeout=httpx.Timeout(30.0, write=None), auth=auth, transport=transport
    ) as client:
        try:
            if isinstance(auth, ClientCredentials):
                auth.token()  # the identity provider's refusal before the file is read
            started = _checked(
                client.post(
                    "/imports",
                    params={"proposed_by": proposed_by},
                    content=_chunks(path),
                    headers={"content-type": "text/csv"},
                )
            )
            if started.status_code != 202:
                _print_refusal(started)
                return 2
            import_id = str(started.json()["import_id"])
            print(f"import {import_id} started")
            return _follow(client, url, import_id, receipts, interval_s)
        except (TokenUnavailable, _Refused) as exc:
            said = _refusal(exc, auth) if isinstance(exc, _Refused) else str(exc)
            print(f"import: {said}", file=sys.stderr)
            if import_id is not None:
                print(
                    f"import {import_id} goes on at the service: {url}/imports/{import_id}",
                    file=sys.stderr,
                )
            return 2


def _print_refusal(started: httpx.Response) -> None:
    print(f"import refused ({started.status_code}):", file=sys.stderr)
    try:
        body: Any = started.json()
    except ValueError:
        body = {}
    for e in body.get("errors", []) if isinstance(body, dict) else []:
        print(
            f"  line {e.get('line', '-')}: {e['field']} {e['rule']}: {e['message']}",
            file=sys.stderr,
        )


def _follow(
    client: httpx.Client, url: str, import_id: str, receipts: Path | None, interval_s: float
) -> int:
    while True:
        progress = _checked(client.get(f"/imports/{import_id}")).json()
        print(_line(progress), flush=True)
        if progress["status"] in _FINAL:
            break
        time.sleep(interval_s)
    if progress.get("resumed_from"):
        previous, line = progress["resumed_from"], progress["resumed_after_line"]
        print(f"continued import {previous} after line {line}")
    errors = _checked(client.get(f"/imports/{import_id}/errors", params={"limit": 50}))
    listed = errors.json()["errors"]
    for e in listed:
        print(f"  line {e['line']}: {e['severity']} {e['field']} {e['rule']}: {e['message']}")
    total = progress["rejected"] + progress["duplicates"] + progress["warnings"]
    if total > len(listed):
        print(f"  … all {total} lines: {url}/imports/{import_id}/errors?format=csv")
    if receipts is not None:
        with client.stream("GET", f"/imports/{import_id}/receipts") as download:
            _checked(download)
            download.raise_for_status()
            with receipts.open("wb") as out:
                for block in download.iter_bytes():
                    out.write(block)
        print(f"receipt codes (line, proposal_id, receipt_code) saved to {receipts}")
    else:
        print(f"receipt codes for the residents: {url}/imports/{import_id}/receipts")
    return 0 if progress["status"] == "completed" else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m enrollment import", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--url", default="http://127.0.0.1:8001")
    parser.add_argument("--proposed-by", default="cli-import")
    parser.add_argument(
        "--receipts", type=Path, metavar="OUT.csv", help="save the residents' receipt codes here"
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        help="a bearer token (default: $JKN_ACCESS_TOKEN, else the client credentials "
        "JKN_OIDC_TOKEN_URL, JKN_OIDC_CLIENT_ID, JKN_OIDC_CLIENT_SECRET)",
    )
    args = parser.parse_args(argv)
    try:
        auth = auth_from(args.token)
    except CredentialsMissing as exc:
        print(f"import: {exc}", file=sys.stderr)
        return 2
    return import_file(
        args.file,
        url=args.url.rstrip("/"),
        proposed_by=args.proposed_by,
        auth=auth,
        receipts=args.receipts,
    )
