"""Is a Kafka broker answering? One Metadata request over a raw socket.

Standard library only, so that ``scripts/kafka.sh`` can run it with any ``python3`` in
well under a second (no JVM start, no virtualenv). Kafka 4 removed Metadata v0-v3
(KIP-896); v4 is the oldest version still served and is not yet "flexible".

    python3 probe.py 127.0.0.1:9092   -> exit 0 and one line when a broker answered
"""

from __future__ import annotations

import socket
import struct
import sys

_METADATA = 3
_VERSION = 4


def _string(data: bytes, pos: int) -> tuple[str | None, int]:
    (length,) = struct.unpack_from(">h", data, pos)
    pos += 2
    if length < 0:
        return None, pos
    return data[pos : pos + length].decode(), pos + length


def metadata(host: str, port: int, timeout: float = 2.0) -> dict[str, object]:
    """Brokers, cluster id and controller id, from one Metadata v4 request."""
    client_id = b"jkn-devstack-probe"
    body = struct.pack(">hhih", _METADATA, _VERSION, 1, len(client_id)) + client_id
    body += struct.pack(">ib", 0, 0)  # no topics; allow_auto_topic_creation = false
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(body)) + body)
        header = _read(sock, 4)
        (size,) = struct.unpack(">i", header)
        data = _read(sock, size)
    correlation_id, _throttle, count = struct.unpack_from(">iii", data, 0)
    if correlation_id != 1:
        raise ValueError(f"unexpected correlation id {correlation_id}")
    pos = 12
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
    try:
        meta = metadata(host or "127.0.0.1", int(port))
    except (OSError, ValueError, struct.error) as exc:
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
