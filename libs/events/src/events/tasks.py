"""Stopping background tasks (relays, consumers) reliably."""

import asyncio


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
