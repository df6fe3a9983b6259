"""What `make run` tells a resident to try: the residents' page and a demo receipt."""

from __future__ import annotations

__all__ = ["page_lines", "status_call"]


def status_call(enrollment: str, receipt: dict[str, str]) -> str:
    """The status API as a resident's program would call it."""
    return (
        f"   {'resident (no token):':<20} curl '{enrollment}/proposals/"
        f"{receipt['proposal_id']}?receipt_code={receipt['receipt_code']}'"
    )


def page_lines(page: str, receipt: dict[str, str]) -> list[str]:
    """The page a person opens, with the proposal number and receipt code of one activated
    resident of the demo city (the last thing `make run` prints: what to try first)."""
    return [
        "",
        f"Residents' page (open it in a browser; Bahasa Indonesia, English): {page}/",
        f"   Cek status usulan: {page}/cek-status  — an activated resident of the demo city:",
        f"      Nomor usulan:      {receipt['proposal_id']}",
        f"      Kode tanda terima: {receipt['receipt_code']}",
        f"   Sampaikan pengaduan: {page}/sampaikan   Lacak: {page}/lacak   Bantuan: {page}/bantuan",
    ]
