"""Blocking work off the event loop: every store call, and answer-test runs, which
take seconds."""
import asyncio
from functools import partial
from typing import Any, Callable


async def in_thread(function: Callable, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, partial(function, *args))
