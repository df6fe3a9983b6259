"""What `make run` tells a resident to try: the residents' page and a demo receipt."""

from __future__ import annotations

__all__ = ["resident_lines"]


def resident_lines(enrollment: str, page: str, receipt: dict[str, str]) -> list[str]:
    """The status API as a resident's program would call it, then the page a person opens,
    with the proposal number and receipt code of one activated resident of the demo city."""
    return [
        f"   {'resident (no token):':<20} curl '{enrollment}/proposals/"
        f"{receipt['proposal_id']}?receipt_code={receipt['receipt_code']}'",
        "",
        f"Residents' page (open it in a browser; Bahasa Indonesia, English): {page}/",
        f"   Cek status usulan: {page}/cek-status  — an activated resident of the demo city:",
        f"      Nomor usulan:      {receipt['proposal_id']}",
        f"      Kode tanda terima: {receipt['receipt_code']}",
        f"   Sampaikan pengaduan: {page}/sampaikan   Lacak: {page}/lacak   Bantuan: {page}/bantuan",
    ]
