"""Is a Kafka broker answering? SASL/SCRAM-SHA-512 login, then one Metadata request.

Standard library only, so that ``scripts/kafka.sh`` can run it with any ``python3`` in
well under a second (no JVM start, no virtualenv). Kafka 4 removed Metadata v0-v3
(KIP-896); v4 is the oldest version still served and is not yet "flexible".

The client listener requires SASL (scripts/kafka.sh), so the probe logs in as the admin
first: SaslHandshake v1, then SCRAM (RFC 5802) inside SaslAuthenticate v0. The password is
read from the environment (KAFKA_ADMIN_PASSWORD, default the dev one), never from argv.
A broker that answers without SASL (an old PLAINTEXT listener) is *not* healthy.

    python3 probe.py 127.0.0.1:9092   -> exit 0 and one line when a broker answered
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import socket
import struct
import sys

_METADATA = 3
_VERSION = 4
_SASL_HANDSHAKE = 17
_SASL_AUTHENTICATE = 36
_MECHANISM = "SCRAM-SHA-512"
_CLIENT_ID = b"jkn-devstack-probe"


def _string(data: bytes, pos: int) -> tuple[str | None, int]:
    (length,) = struct.unpack_from(">h", data, pos)
    pos += 2
    if length < 0:
        return None, pos
    return data[pos : pos + length].decode(), pos + length


def _request(sock: socket.socket, api: int, version: int, correlation: int, body: bytes) -> bytes:
    """Send one request (header v1) and return the response body after its correlation id."""
    header = struct.pack(">hhih", api, version, correlation, len(_CLIENT_ID)) + _CLIENT_ID
    sock.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
    (size,) = struct.unpack(">i", _read(sock, 4))
    data = _read(sock, size)
    (got,) = struct.unpack_from(">i", data, 0)
    if got != correlation:
        raise ValueError(f"unexpected correlation id {got}")
    return data[4:]


def _bytes_field(data: bytes, pos: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from(">i", data, pos)
    pos += 4
    return (b"", pos) if length < 0 else (data[pos : pos + length], pos + length)


def _authenticate(sock: socket.socket, data: bytes) -> bytes:
    """One SaslAuthenticate v0 round trip: our SCRAM message in, the server's out."""
    body = _request(sock, _SASL_AUTHENTICATE, 0, 3, struct.pack(">i", len(data)) + data)
    (error,) = struct.unpack_from(">h", body, 0)
    message, pos = _string(body, 2)
    if error:
        raise PermissionError(f"SASL authentication failed (error {error}: {message})")
    answer, _ = _bytes_field(body, pos)
    return answer


def _scram_login(sock: socket.socket, user: str, password: str) -> None:
    """SCRAM-SHA-512 (RFC 5802) over Kafka's SaslHandshake v1 + SaslAuthenticate v0."""
    mech = _MECHANISM.encode()
    body = _request(sock, _SASL_HANDSHAKE, 1, 2, struct.pack(">h", len(mech)) + mech)
    (error,) = struct.unpack_from(">h", body, 0)
    if error:
        raise PermissionError(f"broker refused SASL mechanism {_MECHANISM} (error {error})")
    nonce = base64.b64encode(secrets.token_bytes(18)).decode()
    name = user.replace("=", "=3D").replace(",", "=2C")
    first_bare = f"n={name},r={nonce}"
    server_first = _authenticate(sock, f"n,,{first_bare}".encode()).decode()
    fields = dict(item.split("=", 1) for item in server_first.split(","))
    if not fields["r"].startswith(nonce):
        raise PermissionError("SCRAM: the server's nonce does not extend ours")
    salted = hashlib.pbkdf2_hmac(
        "sha512", password.encode(), base64.b64decode(fields["s"]), int(fields["i"])
    )
    client_key = hmac.digest(salted, b"Client Key", "sha512")
    stored_key = hashlib.sha512(client_key).digest()
    without_proof = f"c=biws,r={fields['r']}"
    auth_message = f"{first_bare},{server_first},{without_proof}".encode()
    signature = hmac.digest(stored_key, auth_message, "sha512")
    proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature, strict=True)))
    server_final = _authenticate(sock, f"{without_proof},p={proof.decode()}".encode()).decode()
    server_key = hmac.digest(salted, b"Server Key", "sha512")
    expected = base64.b64encode(hmac.digest(server_key, auth_message, "sha512")).decode()
    if server_final != f"v={expected}":
        raise PermissionError("SCRAM: the server's signature is wrong")


def metadata(
    host: str,
    port: int,
    timeout: float = 2.0,
    *,
    user: str | None = None,
    password: str | None = None,
) -> dict[str, object]:
    """Brokers, cluster id and controller id, from one Metadata v4 request.

    With ``user``/``password``, logs in with SASL/SCRAM-SHA-512 first.
    """
    body = struct.pack(">ib", 0, 0)  # no topics; allow_auto_topic_creation = false
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        if user is not None:
            _scram_login(sock, user, password or "")
        data = _request(sock, _METADATA, _VERSION, 1, body)
    _throttle, count = struct.unpack_from(">ii", data, 0)
    pos = 8
    brokers = []
    for _ in range(count):
        (node_id,) = struct.unpack_from(">i", data, pos)
        broker_host, pos = _string(data, pos + 4)
        (broker_port,) = struct.unpack_from(">i", data, pos)
        _rack, pos = _string(data, pos + 4)
        brokers.append((node_id, broker_host, broker_port))
    cluster_id, pos = _string(data, pos)
    (controller_id,) = struct.unpack_from(">i", data, pos)
    return {"brokers": brokers, "cluster_id": cluster_id, "controller_id": controller_id}


def _read(sock: socket.socket, n: int) -> bytes:
    chunks = b""
    while len(chunks) < n:
        chunk = sock.recv(n - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed by the broker")
        chunks += chunk
    return chunks


def main(argv: list[str]) -> int:
    target = argv[1] if len(argv) > 1 else "127.0.0.1:9092"
    host, _, port = target.rpartition(":")
    user = os.environ.get("KAFKA_ADMIN_USER", "jkn-admin")
    password = os.environ.get("KAFKA_ADMIN_PASSWORD", "jkn-admin-dev")
    try:
        meta = metadata(host or "127.0.0.1", int(port), user=user, password=password)
    except (OSError, ValueError, KeyError, struct.error) as exc:
        print(f"kafka at {target}: not answering ({exc.__class__.__name__}: {exc})")
        return 1
    brokers = meta["brokers"]
    if not brokers:
        print(f"kafka at {target}: answered but lists no broker yet")
        return 1
    print(
        f"kafka at {target}: brokers={brokers} cluster={meta['cluster_id']} "
        f"controller={meta['controller_id']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
