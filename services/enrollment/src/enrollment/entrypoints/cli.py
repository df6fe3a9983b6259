"""``python -m enrollment import FILE``: upload a CSV of proposals as a preview and print
its counts and line errors; nothing is proposed yet. A second Dinsos officer (never the
uploader) then runs ``python -m enrollment import --approve IMPORT_ID`` (the proposals are
made; it follows the progress and prints the report; ``--receipts OUT.csv`` saves the
receipt code of each proposal it created, by line) or ``--reject IMPORT_ID``.

It calls the enrollment service with a bearer token (``jkn_bus.cli_auth``): ``--token`` or
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
from jkn_bus.cli_auth import (
    BearerToken,
    ClientCredentials,
    CredentialsMissing,
    TokenUnavailable,
    auth_from,
)

__all__ = ["decide_import", "import_file", "main"]

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
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Upload ``path`` as a preview and print its counts and first line errors; exit code
    (2: credentials refused or missing, or the file refused)."""
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
            if started.status_code != 201:
                _print_refusal(started)
                return 2
            import_id = str(started.json()["import_id"])
            _print_preview(client, import_id, started.json()["preview"])
            print(
                f"import {import_id} waits for a second Dinsos officer: python -m enrollment "
                f"import --approve {import_id} (or --reject {import_id})"
            )
            return 0
        except (TokenUnavailable, _Refused) as exc:
            said = _refusal(exc, auth) if isinstance(exc, _Refused) else str(exc)
            print(f"import: {said}", file=sys.stderr)
            if import_id is not None:
                print(
                    f"import {import_id} goes on at the service: {url}/imports/{import_id}",
                    file=sys.stderr,
                )
            return 2


def _print_preview(client: httpx.Client, import_id: str, preview: dict[str, Any]) -> None:
    print(
        f"preview: {preview['rows']} rows, {preview['valid']} valid, {preview['invalid']} "
        f"invalid, {preview['duplicates_in_file']} duplicates in the file, "
        f"{preview['warnings']} warnings"
    )
    for rule, seen in preview["invalid_by_rule"].items():
        print(f"  {rule}: {seen['rows']} rows (lines {', '.join(map(str, seen['lines']))})")
    for kelurahan, count in preview["by_kelurahan"].items():
        print(f"  kelurahan {kelurahan}: {count} valid rows")
    for source, count in preview["by_source"].items():
        print(f"  source {source}: {count} valid rows")
    errors = _checked(client.get(f"/imports/{import_id}/errors", params={"limit": 50}))
    for e in errors.json()["errors"]:
        print(f"  line {e['line']}: {e['severity']} {e['field']} {e['rule']}: {e['message']}")


def decide_import(
    import_id: str,
    *,
    approve: bool,
    url: str,
    auth: httpx.Auth,
    receipts: Path | None = None,
    interval_s: float = 1.0,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Approve (then follow it to its end, print the errors and save the receipts to
    ``receipts``) or reject a previewed import; exit code (2: refused, 1: not completed)."""
    verb = "approve" if approve else "reject"
    with httpx.Client(base_url=url, timeout=30.0, auth=auth, transport=transport) as client:
        try:
            decided = client.post(f"/imports/{import_id}/{verb}")
            if decided.status_code == 403:
                body = decided.json()
                print(f"import: {verb} refused ({body.get('reason', '')})", file=sys.stderr)
                return 2
            _checked(decided)
            if decided.status_code >= 400:
                _print_refusal(decided)
                return 2
            print(f"import {import_id}: {decided.json()['status']}")
            if not approve:
                return 0
            return _follow(client, url, import_id, receipts, interval_s)
        except (TokenUnavailable, _Refused) as exc:
            said = _refusal(exc, auth) if isinstance(exc, _Refused) else str(exc)
            print(f"import: {said}", file=sys.stderr)
            if approve:
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
    parser.add_argument("file", type=Path, nargs="?", help="the CSV to upload as a preview")
    decision = parser.add_mutually_exclusive_group()
    decision.add_argument("--approve", metavar="IMPORT_ID", help="approve another's preview")
    decision.add_argument("--reject", metavar="IMPORT_ID", help="reject a preview")
    parser.add_argument("--url", default="http://127.0.0.1:8001")
    parser.add_argument("--proposed-by", default="cli-import")
    parser.add_argument(
        "--receipts",
        type=Path,
        metavar="OUT.csv",
        help="with --approve: save the residents' receipt codes here",
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
    url = args.url.rstrip("/")
    if args.approve or args.reject:
        return decide_import(
            args.approve or args.reject,
            approve=bool(args.approve),
            url=url,
            auth=auth,
            receipts=args.receipts,
        )
    if args.file is None:
        parser.error("give the FILE to upload, or --approve / --reject IMPORT_ID")
    return import_file(args.file, url=url, proposed_by=args.proposed_by, auth=auth)
