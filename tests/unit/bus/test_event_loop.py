"""The services' event loop survives the broker dropping a connection under a Kafka client.

aiokafka writes a request to a connection and catches only ``OSError`` (aio-libs/aiokafka#1038).
When the broker has just closed the connection and aiokafka has not noticed yet, the
write must be dropped quietly, as Python's asyncio loop does, and the loss reported through
the protocol. uvloop raises ``RuntimeError`` instead, which ended aiokafka's metadata task
and left every commit and heartbeat of a service waiting forever after a broker restart
(docs/pitfalls.md#uvloop-broker-restart). The test runs the loop uvicorn builds for
``jkn_bus.http.EVENT_LOOP``, the one ``serve`` runs the services on; under uvloop it fails
with that RuntimeError.
"""

from __future__ import annotations

import asyncio

import uvicorn
from jkn_bus.http import EVENT_LOOP


def _services_loop() -> asyncio.Runner:
    return asyncio.Runner(loop_factory=uvicorn.Config(app=None, loop=EVENT_LOOP).get_loop_factory())


async def _write_after_the_connection_closed() -> bool:
    """Open a connection, close it under the writer, write: whether the reader side then
    sees the loss (EOF) rather than the write raising."""
    served = asyncio.Event()

    async def broker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.set()
        await reader.read()
        writer.close()

    server = await asyncio.start_server(broker, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await served.wait()
        # the connection is gone and the loop has released it, but the client has not
        # read the loss yet: its next request is still written to the connection
        writer.transport.close()
        await asyncio.sleep(0.05)
        writer.write(b"\x00\x00\x00\x04ping")  # what aiokafka does next: must not raise
        await asyncio.wait_for(reader.read(), timeout=5)
        return reader.at_eof()
    finally:
        server.close()
        await server.wait_closed()


def test_a_write_to_a_connection_the_broker_closed_is_dropped_and_the_loss_reported() -> None:
    with _services_loop() as runner:
        assert runner.run(_write_after_the_connection_closed()) is True
