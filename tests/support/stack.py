"""The whole system (simulator and every service) started for a test module beside a
running `make run`: its own ports, database and topics, all removed at the end."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from jkn_demo.stack import Stack
from jkn_demo.stackenv import BOOTSTRAP, drop_database, fresh_stack_env
from jkn_devstack.topics import delete_topics


@asynccontextmanager
async def running_stack(
    run_dir: Path, *, port_offset: int, tag: str, **env: str
) -> AsyncIterator[Stack]:
    """Every component healthy on ``port_offset``, with ``env`` on top of a fresh database
    and topic prefix (``tag`` + random); stopped, its topics and database dropped after."""
    database = f"jkn_{tag}_{uuid.uuid4().hex[:8]}"
    stack_env = await fresh_stack_env(
        database=database,
        topic_prefix=f"{tag}{uuid.uuid4().hex[:8]}.",
        run_dir=run_dir,
        **env,
    )
    stack = Stack(run_dir, stack_env, port_offset=port_offset)
    stack.start()
    try:
        stack.wait_healthy()
        yield stack
    finally:
        stack.stop()
        await delete_topics(BOOTSTRAP, stack.env["JKN_TOPIC_PREFIX"])
        await drop_database(database)
