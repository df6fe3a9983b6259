"""The bridging protocol against its known vectors (docs/domain.md#bridging-vectors)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from bpjs_bridging import (
    BridgingDecryptError,
    SignatureCheck,
    check_signature,
    decrypt_response,
    encrypt_response,
    headers,
    response_key,
    signature,
    verify_signature,
)
from bpjs_bridging.lzstring import compress_to_encoded_uri_component
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CONS_ID, SECRET, TS = "1234", "pwd", "433223232"


def test_hmac_sha256_matches_the_published_vector() -> None:
    digest = hmac.new(b"bbb", b"aaa", hashlib.sha256).digest()
    assert base64.b64encode(digest).decode() == "20BKS3PWnD3XU4JbSSZvVlGi2WWnDa8Sv9uHJ+wsELA="


def test_signature_is_base64_hmac_of_cons_id_ampersand_timestamp() -> None:
    assert signature(CONS_ID, SECRET, TS) == "eXMtvX2r7e7CLCIu3kpEpCrvciZgK8FuOhKv06NDAHk="


def test_response_key_is_sha256_of_cons_id_secret_and_timestamp() -> None:
    expected = "f75bf2014da65c8f1c39a47de848ba383d051f4e218fa70774fcd3fb216c5f9b"
    assert response_key(CONS_ID, SECRET, TS).hex() == expected


def test_headers_carry_cons_id_timestamp_signature_and_user_key() -> None:
    assert headers(CONS_ID, SECRET, "uk", ts=TS) == {
        "X-cons-id": CONS_ID,
        "X-timestamp": TS,
        "X-signature": "eXMtvX2r7e7CLCIu3kpEpCrvciZgK8FuOhKv06NDAHk=",
        "user_key": "uk",
    }


def test_headers_default_to_the_current_unix_second() -> None:
    ts = headers(CONS_ID, SECRET, "uk")["X-timestamp"]
    assert ts.isdigit()
    assert verify_signature(CONS_ID, SECRET, ts, signature(CONS_ID, SECRET, ts))


def test_signature_within_the_drift_window_is_accepted() -> None:
    sig = signature(CONS_ID, SECRET, TS)
    assert verify_signature(CONS_ID, SECRET, TS, sig, max_drift_s=60, now=int(TS) + 60)


def test_signature_outside_the_drift_window_is_rejected_as_clock_drift() -> None:
    sig = signature(CONS_ID, SECRET, TS)
    late = check_signature(CONS_ID, SECRET, TS, sig, max_drift_s=60, now=int(TS) + 61)
    early = check_signature(CONS_ID, SECRET, TS, sig, max_drift_s=60, now=int(TS) - 61)
    assert late is early is SignatureCheck.CLOCK_DRIFT


def test_signature_made_with_another_secret_is_rejected() -> None:
    sig = signature(CONS_ID, "other", TS)
    result = check_signature(CONS_ID, SECRET, TS, sig, now=int(TS))
    assert result is SignatureCheck.BAD_SIGNATURE


@pytest.mark.parametrize("ts", ["", "12a", "-5", "1.5", "١٢٣"])
def test_non_decimal_timestamp_is_rejected_as_malformed(ts: str) -> None:
    assert check_signature(CONS_ID, SECRET, ts, "x") is SignatureCheck.MALFORMED_TIMESTAMP


def test_compressed_json_starts_with_n4ig() -> None:
    assert compress_to_encoded_uri_component('{"peserta":null}').startswith("N4Ig")


@pytest.mark.parametrize(
    "payload",
    [
        {"peserta": {"nama": "SITI AMINAH", "noKartu": "0001234567890"}},
        {"peserta": {"nama": "𠀋 LIM 😀 SIREGAR"}},
        [1, "dua", {"tiga": None}],
        "x" * 5000,
    ],
    ids=["peserta", "astral-name", "list", "long"],
)
def test_encrypted_response_round_trips(payload: object) -> None:
    encrypted = encrypt_response(payload, CONS_ID, SECRET, TS)
    assert decrypt_response(encrypted, CONS_ID, SECRET, TS) == payload


def test_decrypting_with_another_timestamp_fails() -> None:
    encrypted = encrypt_response({"peserta": {"nama": "A"}}, CONS_ID, SECRET, TS)
    with pytest.raises(BridgingDecryptError):
        decrypt_response(encrypted, CONS_ID, SECRET, str(int(TS) + 1))


@pytest.mark.parametrize(
    "text",
    ["not base64!", "", "QUJD", base64.b64encode(b"\x00" * 15).decode()],
    ids=["bad-base64", "empty", "not-whole-blocks", "short-block"],
)
def test_malformed_ciphertext_fails_with_a_decrypt_error(text: str) -> None:
    with pytest.raises(BridgingDecryptError):
        decrypt_response(text, CONS_ID, SECRET, TS)


def _encrypt_raw(plaintext: bytes) -> str:
    key = response_key(CONS_ID, SECRET, TS)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    body = padder.update(plaintext) + padder.finalize()
    return base64.b64encode(encryptor.update(body) + encryptor.finalize()).decode()


@pytest.mark.parametrize(
    "plaintext",
    [b"Q", b"AAAAAAAA", b"N4Ig"],
    ids=["compressed-empty-string", "truncated-stream", "bare-prefix"],
)
def test_empty_decompression_is_an_error_never_no_data(plaintext: bytes) -> None:
    with pytest.raises(BridgingDecryptError, match="decompressed to nothing"):
        decrypt_response(_encrypt_raw(plaintext), CONS_ID, SECRET, TS)


def test_decompressed_text_that_is_not_json_fails_with_a_decrypt_error() -> None:
    plaintext = compress_to_encoded_uri_component("<html>").encode()
    with pytest.raises(BridgingDecryptError, match="not JSON"):
        decrypt_response(_encrypt_raw(plaintext), CONS_ID, SECRET, TS)
