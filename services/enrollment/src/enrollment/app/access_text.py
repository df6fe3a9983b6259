"""The access report as plain text to print and hand over (an officer's answer to a
resident's written request): the same document as the JSON, section by section, in the
language it was built in."""

from __future__ import annotations

from typing import Any

__all__ = ["render_text"]

_HEAD = {
    "id": {
        "participant": "Kode peserta (nama samaran)",
        "generated": "Dibuat",
        "proposal": "Usulan",
        "status": "Status",
        "source": "Asal data",
        "proposed_by": "Diusulkan oleh",
        "proposed_at": "Tanggal usulan",
        "erased_at": "Data dihapus pada",
        "card": "Kartu BPJS",
        "fields": "Data",
        "purposes": "Untuk",
        "kept_for": "Disimpan",
        "reasons": "Alasan",
        "by": "Oleh",
        "none": "(tidak ada)",
    },
    "en": {
        "participant": "Participant code (pseudonym)",
        "generated": "Generated",
        "proposal": "Proposal",
        "status": "Status",
        "source": "Where it came from",
        "proposed_by": "Proposed by",
        "proposed_at": "Proposed on",
        "erased_at": "Data erased on",
        "card": "BPJS card",
        "fields": "Data",
        "purposes": "Why",
        "kept_for": "Kept",
        "reasons": "Reasons",
        "by": "By",
        "none": "(none)",
    },
}


def _section(title: str) -> list[str]:
    return ["", title, "=" * len(title)]


def render_text(doc: dict[str, Any]) -> str:
    """``doc`` (``app.access.access_document``) as printable text."""
    h = _HEAD[doc["language"]]
    lines = [doc["title"], doc["legal_basis"], ""]
    lines.append(f"{h['participant']}: {doc['participant_id']}")
    lines.append(f"{h['generated']}: {doc['generated_at']}")
    held = doc["held_by_dinsos"]
    lines += _section(held["title"])
    for p in held["proposals"]:
        lines += ["", f"{h['proposal']} {p['proposal_id']}"]
        lines.append(f"  {h['status']}: {p['status']['label']}")
        for r in p["reasons"]:
            lines.append(f"    - {r.get('code', '')}: {r.get('message', '')}")
        lines.append(f"  {h['source']}: {p['source']['label']}")
        lines.append(f"  {h['proposed_by']}: {p['proposed_by']}")
        lines.append(f"  {h['proposed_at']}: {p['proposed_at']}")
        if p["erased_at"]:
            lines.append(f"  {h['erased_at']}: {p['erased_at']}")
        if p["card"]:
            card = p["card"]
            lines.append(f"  {h['card']}: {card['no_kartu']} ({card['clinic']['name']})")
        for d in p["data"]:
            lines.append(f"  {d['label']}: {d['value'] if d['value'] is not None else '-'}")
    holders = doc["holders"]
    lines += _section(holders["title"])
    for a in holders["agencies"]:
        fields = ", ".join(f["label"] for f in a["fields"]) or h["none"]
        lines += ["", a["agency"], f"  {h['fields']}: {fields}"]
        for why in a["purposes"]:
            lines.append(f"  {h['purposes']}: {why}")
        lines.append(f"  {h['kept_for']}: {a['kept_for']}")
    decisions = doc["decisions"]
    lines += _section(decisions["title"])
    if not decisions["facts"]:
        lines.append(h["none"])
    for f in decisions["facts"]:
        lines += ["", f"{f['when']}  {f['agency']['label']}", f"  {f['what']}"]
        if f["reasons"]:
            lines.append(f"  {h['reasons']}: {', '.join(f['reasons'])}")
        lines.append(f"  {h['by']}: {f['acted_by']}")
    return "\n".join(lines) + "\n"
