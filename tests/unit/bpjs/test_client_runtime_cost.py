"""The BPJS client's HTTP stack does not pay for a missing module on every request.

httpcore asks which async library runs it with ``import sniffio`` inside each request
(``httpcore._synchronization.current_async_library``). When sniffio is not installed
that import fails each time, and a failing import is not cached: Python searched every
``sys.path`` entry again, per request — about a tenth of the gateway's CPU in ``make
profile``. The gateway depends on sniffio for that reason; these tests fail if the
dependency goes missing again.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys

import httpcore._synchronization as httpcore_sync


def test_httpcore_finds_its_async_library_probe_installed() -> None:
    assert importlib.util.find_spec("sniffio") is not None


def test_the_probe_answers_from_an_imported_module() -> None:
    # what httpcore runs per request: once answered, sniffio is in sys.modules and every
    # later ``import sniffio`` is a dictionary look-up
    async def probe() -> str:
        return httpcore_sync.current_async_library()

    assert asyncio.run(probe()) == "asyncio"
    assert "sniffio" in sys.modules
