"""Background tasks (relays, consumers, schedulers): what each reports for readiness, and stopping them reliably."""

import asyncio
from dataclasses import dataclass


@dataclass
class Status:
    """Whether a background loop is connected and doing its work, and why not, for /readyz."""

    running: bool = False
    last_error: str | None = None


async def stop(task: asyncio.Task, *, patience: float = 0.5) -> None:
    """Cancel until the task is done.

    On Python 3.11 a library awaiting `asyncio.wait_for` can swallow a cancellation that races with
    its own completion; a loop that then carries on would hang whoever waits for it. So ask again.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=patience)
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()
