"""What a rebuild's handler keeps in memory for a batch, held until Postgres says how the batch's transaction ended:
kept if it committed, dropped if it rolled back (the consumer then applies the batch record by record, each held anew).
So the memory and the dedupe rows stay one, as they would if the handler wrote its table in the transaction."""

from typing import Generic, TypeVar

import asyncpg

Batch = TypeVar("Batch")


class UntilCommitted(Generic[Batch]):
    """One batch held at a time: the handler holds what its batch changed (`hold`, inside the batch's transaction),
    and asks at the next batch, or before writing the memory out, whether to keep it (`settled`). For a projection
    whose `table` starts empty: the memory is all there is, so a table with rows in it is refused."""

    def __init__(self, table: str) -> None:
        self.table = table
        self._held: tuple[int, Batch] | None = None
        self._checked_empty = False

    async def hold(self, conn: asyncpg.Connection, batch: Batch) -> None:
        self._held = (await conn.fetchval("SELECT pg_current_xact_id()"), batch)

    async def settled(self, conn: asyncpg.Connection) -> Batch | None:
        """The batch held last if its transaction committed; None if it rolled back, or none is held."""
        if not self._checked_empty:
            if await conn.fetchval(f"SELECT EXISTS (SELECT FROM {self.table})"):
                raise RuntimeError(f"kept in memory only for a projection whose {self.table} is empty")
            self._checked_empty = True
        held, self._held = self._held, None
        if held is None:
            return None
        status = await conn.fetchval("SELECT pg_xact_status($1::xid8)", held[0])
        if status == "committed":
            return held[1]
        if status != "aborted":
            raise RuntimeError(f"a batch's transaction is {status} while the next one is applied")
        return None
