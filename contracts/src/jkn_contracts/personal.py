"""Personal data on the bus: the encrypted blob it travels in.

A resident's personal fields (NIK, KK, name, …) never travel in clear: an event carries
them as one :class:`Protected` blob, AES-256-GCM under the resident's own data key (DEK,
kept in the keyring, never in an event), bound to the event by its associated data (event
id, participant id, event type). Destroying the DEK erases the resident everywhere the
blob was copied (crypto-shredding). ``jkn_bus.personal_data`` seals and opens blobs.

A field that holds a blob is marked in the JSON Schema by ``x-jkn-personal-data``: the list
of personal fields sealed in it (see ``contracts/personal-data.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "KID_PATTERN",
    "NEEDS",
    "PERSONAL_DATA_KEY",
    "PERSONAL_FIELDS",
    "Need",
    "Protected",
    "needed_fields",
    "needs_markdown",
    "personal_field",
]

KID_PATTERN = r"^P[0-9a-f]{24}\.v[1-9][0-9]{0,8}$"
PERSONAL_DATA_KEY = "x-jkn-personal-data"
_B64URL = r"^[A-Za-z0-9_-]+$"


class Protected(BaseModel):
    """Personal fields sealed for one event: ``{"alg", "kid", "nonce", "ciphertext"}``.

    ``kid`` names the resident's data key and its version (``<participant_id>.v<n>``); it
    is the key's id, never the key. Unreadable by anyone once the key is destroyed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    alg: Literal["A256GCM"] = Field("A256GCM", description="AES-256-GCM, 128-bit tag.")
    kid: str = Field(
        pattern=KID_PATTERN,
        description="The resident's data key (participant id and key version) in the keyring.",
        examples=["P3f9a0c1d2e4b5a6978877665.v1"],
    )
    nonce: str = Field(
        pattern=_B64URL, min_length=16, max_length=16, description="96-bit nonce, base64url."
    )
    ciphertext: str = Field(
        pattern=_B64URL,
        min_length=22,
        max_length=8192,
        description="Ciphertext and tag, base64url (unpadded).",
    )


def personal_field(fields: tuple[str, ...], description: str) -> Any:
    """A payload field holding a :class:`Protected` blob with ``fields`` sealed in it."""
    return Field(
        description=description,
        json_schema_extra={PERSONAL_DATA_KEY: list(fields)},
    )


# --- Minimal events: which personal fields each consumer needs, and why ------------------

PERSONAL_FIELDS: tuple[str, ...] = (
    "nik",
    "kk",
    "name",
    "sex",
    "birth_date",
    "kelurahan",
    "address",
    "phone",
    "email",
)
"""Every field of ``jkn_contracts.events.Resident`` (a resident as proposed): all personal."""


@dataclass(frozen=True)
class Need:
    """What one consumer needs of one event's personal fields, and why; ``why_id`` says
    why in Bahasa Indonesia for the residents themselves (their access report,
    ``enrollment.app.access``), required when ``fields`` is not empty."""

    event: str
    consumer: str
    fields: tuple[str, ...]
    why: str
    why_id: str = ""

    def __post_init__(self) -> None:
        if self.fields and not self.why_id:
            msg = f"{self.event} -> {self.consumer}: say why in Bahasa Indonesia too (why_id)"
            raise ValueError(msg)


NEEDS: tuple[Need, ...] = (
    Need(
        "ParticipantRegistered",
        "verification",
        ("nik", "kk", "name", "sex", "birth_date", "kelurahan"),
        "Dinkes verifies the identity: the NIK's structure against sex and birth date, the "
        "civil registry (Dukcapil) and DTKS/DTSEN look-ups by NIK, the family card, the "
        "kelurahan of residence; it passes the resident on in ParticipantVerified.",
        "Dinas Kesehatan memverifikasi identitas Anda: NIK dicocokkan dengan jenis kelamin "
        "dan tanggal lahir, dicek di data kependudukan (Dukcapil) dan DTKS/DTSEN, beserta "
        "Kartu Keluarga dan kelurahan tempat tinggal.",
    ),
    Need(
        "ParticipantRegistered",
        "notifications",
        ("name", "sex", "phone", "email"),
        "Greets the resident (Bapak/Ibu and their name) and reaches them by SMS/WhatsApp "
        "(phone) or e-mail.",
        "Menyapa Anda (Bapak/Ibu dan nama Anda) dan mengirim pemberitahuan lewat "
        "SMS/WhatsApp (nomor telepon) atau e-mail.",
    ),
    Need(
        "ParticipantRegistered",
        "bpjs-gateway",
        (),
        "None: it reads the topic for DeactivationRequested; BPJS hears of a resident only "
        "once Dinkes verified them.",
    ),
    Need(
        "ParticipantRegistered",
        "audit",
        (),
        "None: the trail keeps pseudonyms and ciphertext (its hash chain covers the blob).",
    ),
    Need(
        "CoverageCheckRequested",
        "bpjs-gateway",
        ("nik",),
        "The VClaim peserta look-up at BPJS is by NIK.",
        "Memeriksa di BPJS Kesehatan dengan NIK apakah Anda sudah terdaftar sebagai peserta.",
    ),
    Need("CoverageCheckRequested", "enrollment", (), "None (not handled)."),
    Need("CoverageCheckRequested", "notifications", (), "None (not handled)."),
    Need("CoverageCheckRequested", "audit", (), "None."),
    Need(
        "ParticipantVerified",
        "bpjs-gateway",
        ("nik", "kk", "name", "sex", "birth_date"),
        "Files the mutasi tambah at BPJS: nik, noKK, nama, jenis kelamin, tanggal lahir.",
        "Mendaftarkan Anda ke BPJS Kesehatan (mutasi tambah): NIK, nomor KK, nama, jenis "
        "kelamin, tanggal lahir.",
    ),
    Need(
        "ParticipantVerified",
        "notifications",
        ("name", "sex", "phone", "email"),
        "Tells the resident they are funded, by name, on their channel.",
        "Memberi tahu Anda, dengan nama Anda, bahwa iuran Anda ditanggung kota.",
    ),
    Need(
        "ParticipantVerified",
        "enrollment",
        (),
        "None: the proposal's status changes (Dinsos holds the data it proposed).",
    ),
    Need("ParticipantVerified", "audit", (), "None."),
)
"""The minimal events: an event carries only the union of its consumers' needs."""


def needed_fields(event: str) -> tuple[str, ...]:
    """The personal fields ``event`` must carry (the union of its consumers' needs), in
    ``PERSONAL_FIELDS`` order; the rest stays with its holder."""
    wanted = {f for need in NEEDS if need.event == event for f in need.fields}
    return tuple(f for f in PERSONAL_FIELDS if f in wanted)


def needs_markdown() -> str:
    """``contracts/personal-data.md`` (``tests/unit/contracts/test_personal_data_doc.py``
    fails when the committed file differs)."""
    lines = [
        "# Personal data on the bus: which consumer needs which field, and why",
        "",
        "Generated from `jkn_contracts.personal.NEEDS`: do not edit by hand (",
        "`uv run python -c 'from jkn_contracts.personal import needs_markdown as m; "
        'print(m(), end="")\' > contracts/personal-data.md`).',
        "",
        "A resident's personal fields are: "
        + ", ".join(f"`{f}`" for f in PERSONAL_FIELDS)
        + ". An event about a resident carries only the union of what its consumers need "
        "(below); a field no consumer needs (`address`) stays with Dinas Sosial. On the bus "
        "they travel as one encrypted blob per event (`Protected`, AES-256-GCM under the "
        "resident's own data key, see the README's *Personal data*), never in clear.",
        "",
        "| Event | Consumer | Personal fields it needs | Why |",
        "|---|---|---|---|",
    ]
    for need in NEEDS:
        fields = ", ".join(f"`{f}`" for f in need.fields) or "none"
        lines.append(f"| {need.event} | {need.consumer} | {fields} | {need.why} |")
    lines += ["", "| Event | Carries (the union) |", "|---|---|"]
    for event in dict.fromkeys(need.event for need in NEEDS):
        lines.append(f"| {event} | " + ", ".join(f"`{f}`" for f in needed_fields(event)) + " |")
    return "\n".join(lines) + "\n"
