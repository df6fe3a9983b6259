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

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["KID_PATTERN", "PERSONAL_DATA_KEY", "Protected", "personal_field"]

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
