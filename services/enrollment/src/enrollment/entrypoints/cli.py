"""``python -m enrollment import FILE``: upload a CSV of proposals and follow its progress;
``--receipts OUT.csv`` saves the receipt code of each proposal it created, by line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

__all__ = ["import_file"]

_FINAL = {"completed", "failed", "interrupted"}


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


def import_file(
    path: Path,
    *,
    url: str,
    proposed_by: str,
    receipts: Path | None = None,
    interval_s: float = 1.0,
) -> int:
    """Upload ``path``, print progress until the import ends, then the errors (and save
    the receipts to ``receipts``); exit code."""
    with httpx.Client(base_url=url, timeout=httpx.Timeout(30.0, write=None)) as client:
        started = client.post(
            "/imports",
            params={"proposed_by": proposed_by},
            content=_chunks(path),
            headers={"content-type": "text/csv"},
        )
        if started.status_code != 202:
            print(f"import refused ({started.status_code}):", file=sys.stderr)
            for e in started.json().get("errors", []):
                print(
                    f"  line {e.get('line', '-')}: {e['field']} {e['rule']}: {e['message']}",
                    file=sys.stderr,
                )
            return 2
        import_id = started.json()["import_id"]
        print(f"import {import_id} started")
        while True:
            progress = client.get(f"/imports/{import_id}").json()
            print(_line(progress), flush=True)
            if progress["status"] in _FINAL:
                break
            time.sleep(interval_s)
        if progress.get("resumed_from"):
            previous, line = progress["resumed_from"], progress["resumed_after_line"]
            print(f"continued import {previous} after line {line}")
        errors = client.get(f"/imports/{import_id}/errors", params={"limit": 50}).json()["errors"]
        for e in errors:
            print(f"  line {e['line']}: {e['severity']} {e['field']} {e['rule']}: {e['message']}")
        total = progress["rejected"] + progress["duplicates"] + progress["warnings"]
        if total > len(errors):
            print(f"  … all {total} lines: {url}/imports/{import_id}/errors?format=csv")
        if receipts is not None:
            with client.stream("GET", f"/imports/{import_id}/receipts") as download:
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
    args = parser.parse_args(argv)
    return import_file(
        args.file, url=args.url.rstrip("/"), proposed_by=args.proposed_by, receipts=args.receipts
    )
