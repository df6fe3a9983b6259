"""The BPJS Kesehatan bridging protocol, without any HTTP.

Request signatures (:mod:`bpjs_bridging.signing`), response encryption
(:mod:`bpjs_bridging.encryption`) and the LZ-String codec it relies on
(:mod:`bpjs_bridging.lzstring`). Used by the gateway's client and by the simulator.
"""

from bpjs_bridging.encryption import decrypt_response, encrypt_response, response_key
from bpjs_bridging.errors import BridgingDecryptError
from bpjs_bridging.signing import (
    DEFAULT_MAX_DRIFT_S,
    SignatureCheck,
    check_signature,
    headers,
    signature,
    verify_signature,
)

__all__ = [
    "DEFAULT_MAX_DRIFT_S",
    "BridgingDecryptError",
    "SignatureCheck",
    "check_signature",
    "decrypt_response",
    "encrypt_response",
    "headers",
    "response_key",
    "signature",
    "verify_signature",
]
