"""Response encryption: JSON -> LZ-String -> AES-256-CBC -> Base64.

The key is SHA-256(``cons_id + secret + ts``) where ``ts`` is the exact ``X-timestamp``
string sent with the request; the IV is the first 16 bytes of the key; PKCS#7 padding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bpjs_bridging.errors import BridgingDecryptError
from bpjs_bridging.lzstring import (
    compress_to_encoded_uri_component,
    decompress_from_encoded_uri_component,
)

__all__ = ["decrypt_response", "encrypt_response", "response_key"]

_BLOCK_BITS = 128


def response_key(cons_id: str, secret: str, ts: str) -> bytes:
    """Return the 32-byte AES key: SHA-256 of ``cons_id + secret + ts``."""
    return hashlib.sha256(f"{cons_id}{secret}{ts}".encode()).digest()


def _cipher(key: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt_response(obj: Any, cons_id: str, secret: str, ts: str) -> str:
    """Encrypt ``obj`` the way BPJS encrypts a ``response`` field (used by the simulator)."""
    # ensure_ascii=False keeps names as BPJS sends them: UTF-16 units, not \u escapes.
    compressed = compress_to_encoded_uri_component(json.dumps(obj, ensure_ascii=False))
    padder = padding.PKCS7(_BLOCK_BITS).padder()
    padded = padder.update(compressed.encode("ascii")) + padder.finalize()
    encryptor = _cipher(response_key(cons_id, secret, ts)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def decrypt_response(text: str, cons_id: str, secret: str, ts: str) -> Any:
    """Decrypt, decompress and parse a BPJS ``response`` field.

    ``ts`` must be the ``X-timestamp`` string sent with that request, never "now".
    Raises :class:`BridgingDecryptError` on bad Base64, a length that is not whole
    AES blocks, bad padding, an empty or failed decompression, or invalid JSON.
    """
    try:
        ciphertext = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BridgingDecryptError("response is not valid Base64") from exc
    if not ciphertext or len(ciphertext) % 16:
        raise BridgingDecryptError("response is not a whole number of AES blocks")
    decryptor = _cipher(response_key(cons_id, secret, ts)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
    try:
        compressed = (unpadder.update(padded) + unpadder.finalize()).decode("ascii")
        decompressed = decompress_from_encoded_uri_component(compressed)
    except ValueError as exc:  # bad padding, non-ASCII bytes, foreign alphabet
        raise BridgingDecryptError(
            "response does not decrypt with this key (check the timestamp and secret)"
        ) from exc
    # An empty decompression means a wrong key or a damaged body, never "no data".
    if not decompressed:
        raise BridgingDecryptError("response decompressed to nothing")
    try:
        return json.loads(decompressed)
    except json.JSONDecodeError as exc:
        raise BridgingDecryptError("decrypted response is not JSON") from exc
