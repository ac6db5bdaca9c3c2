"""Background tasks (relays, consumers, schedulers): what each reports for readiness, and stopping them reliably."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

# Asked on every /readyz with a connection to the app's database: why the loop's work is not getting done, or None.
Probe = Callable[[asyncpg.Connection], Awaitable[str | None]]


@dataclass
class Status:
    """Whether a background loop is connected and doing its work, and why not, for /readyz."""

    running: bool = False
    last_error: str | None = None
    probe: Probe | None = None  # what else its readiness depends on (the relay: how long the outbox waits)

    async def not_ready(self, conn: asyncpg.Connection) -> str | None:
        """Why the loop is not ready: it failed and has not recovered, or its probe says so.

        A loop still starting (not running, no error yet) counts as ready: a relay or a consumer that hangs
        without failing shows in its probe (events waiting too long), not in a start-up race.
        """
        if not self.running and self.last_error:
            return f"not running: {self.last_error}"
        return await self.probe(conn) if self.probe else None


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
