"""What `make run` tells a resident to try: the residents' page and a demo receipt."""

from __future__ import annotations

import csv
import io

__all__ = ["page_lines", "status_call", "with_birth_dates"]


def with_birth_dates(
    receipts: dict[int, dict[str, str]], proposals: bytes
) -> dict[int, dict[str, str]]:
    """The receipts (by line of the proposals file, line 1 its header), each with the birth
    date of its resident in the file: what a resident checks their status with."""
    rows = list(csv.DictReader(io.StringIO(proposals.decode())))
    return {
        line: {**r, "birth_date": rows[line - 2]["birth_date"]}
        for line, r in receipts.items()
        if 2 <= line <= len(rows) + 1
    }


def status_call(enrollment: str, receipt: dict[str, str]) -> str:
    """The status API as a resident's program would call it (code and birth date in the
    body, never in the URL)."""
    body = (
        f'{{"receipt_code": "{receipt["receipt_code"]}", "birth_date": "{receipt["birth_date"]}"}}'
    )
    return (
        f"   {'resident (no token):':<20} curl -X POST {enrollment}/proposals/status "
        f"-H 'content-type: application/json' -d '{body}'"
    )


def page_lines(page: str, receipt: dict[str, str]) -> list[str]:
    """The page a person opens, with the receipt code and birth date of one activated
    resident of the demo city (the last thing `make run` prints: what to try first)."""
    return [
        "",
        f"Residents' page (open it in a browser; Bahasa Indonesia, English): {page}/",
        f"   Cek status usulan: {page}/cek-status  — an activated resident of the demo city:",
        f"      Kode tanda terima: {receipt['receipt_code']}",
        f"      Tanggal lahir:     {receipt['birth_date']}",
        f"   Sampaikan pengaduan: {page}/sampaikan   Lacak: {page}/lacak   Bantuan: {page}/bantuan",
    ]
