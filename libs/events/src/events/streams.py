"""Running a command on a stream: load and fold it, decide, append and write the inline read model, in one transaction.

Every append of every service goes through `handle`; routes, schedulers and consumers differ only in
where the command comes from.
"""

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import asyncpg

from events import store
from events.base import Event
from events.decider import Decider
from events.envelope import Context, Envelope
from events.errors import PreconditionFailed

State = TypeVar("State")


@dataclass(frozen=True)
class Stream(Generic[State]):
    """A stream as the caller sees it: folded state, version, whole history, and what the last command added."""

    state: State
    version: int
    history: list[Envelope] = field(default_factory=list)
    appended: list[Envelope] = field(default_factory=list)
    view: Any = None  # what the inline read model returned for it, for the caller to answer with
    events: list[Event] = field(default_factory=list)  # history's events, upcast once: read models need not again


InlineReadModel = Callable[[asyncpg.Connection, Stream, Context], Awaitable[Any]]


def fresh(decider: Decider[State]) -> Stream[State]:
    """A stream the caller just named (a new id), so nothing needs loading; should it exist, the append clashes."""
    return Stream(decider.initial, 0)


async def read(conn: asyncpg.Connection, decider: Decider[State], stream_id: str, tenant: str) -> Stream[State]:
    """The stream folded into state; another tenant's stream reads as empty."""
    recorded = await store.load(conn, stream_id)
    if any(r.envelope.tenant != tenant for r in recorded):
        return fresh(decider)
    events = [r.event for r in recorded]
    return Stream(decider.fold(events), len(recorded), [r.envelope for r in recorded], events=events)


async def handle(
    conn: asyncpg.Connection,
    decider: Decider[State],
    stream_id: str,
    command: Any,
    ctx: Context,
    *,
    if_match: int | None = None,
    loaded: Stream[State] | None = None,
    check: Callable[[State], None] | None = None,
    inline: InlineReadModel | None = None,
) -> Stream[State]:
    """Load (unless `loaded`), check, decide, append at the loaded version and write the inline read model.

    `check` is who may act on the stream at all (staff reach only their own tickets), before the rules;
    a concurrent writer makes the append a ConcurrencyError, or a 412 when the caller named a version;
    an event over the bound is a 413 naming the command (`store.EventTooLarge`), and nothing is written.
    """
    async with _transaction(conn):
        stream = loaded or await read(conn, decider, stream_id, ctx.tenant)
        if check is not None:
            check(stream.state)
        if if_match is not None and if_match != stream.version:
            raise PreconditionFailed(stream_id, if_match, stream.version)
        events = decider.decide(stream.state, command)
        try:
            appended = await store.append(conn, stream_id, stream.version, events, ctx)
        except store.EventTooLarge as error:
            raise error.of(type(command).__name__) from None
        except store.ConcurrencyError:
            if if_match is None:
                raise
            raise PreconditionFailed(stream_id, if_match, stream.version + 1) from None
        after = Stream(decider.fold(events, stream.state), stream.version + len(events),
                       stream.history + appended, appended, events=stream.events + events)
        return replace(after, view=await inline(conn, after, ctx)) if inline else after


def _transaction(conn: asyncpg.Connection):
    # A caller already in a transaction (an idempotent command, a scheduler's claim) keeps it: no savepoint.
    return contextlib.nullcontext() if conn.is_in_transaction() else conn.transaction()
