"""Running a decider against a stream: load and fold it, check the caller's expected version, append."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import asyncpg

from events import store
from events.base import Event
from events.envelope import Context, Envelope

State = TypeVar("State")


class PreconditionFailed(Exception):
    """The caller acted on a version of the stream that is no longer current (HTTP 412)."""

    def __init__(self, stream_id: str, expected: int, actual: int):
        super().__init__(f"{stream_id} is at version {actual}, not {expected}: reload it and try again")


@dataclass(frozen=True)
class Decided(Generic[State]):
    state: State
    version: int
    envelopes: list[Envelope]  # what this command appended
    history: list[Envelope]  # the whole stream after it, for callers that show it


async def _fold(
    conn: asyncpg.Connection, stream_id: str, tenant: str, evolve: Callable[[State, Event], State], initial: State
) -> tuple[State, int, list[Envelope]]:
    recorded = await store.load(conn, stream_id)
    if any(r.envelope.tenant != tenant for r in recorded):
        return initial, 0, []  # another tenant's stream reads as empty
    state = initial
    for r in recorded:
        state = evolve(state, r.event)
    return state, len(recorded), [r.envelope for r in recorded]


async def read(
    conn: asyncpg.Connection, stream_id: str, tenant: str, evolve: Callable[[State, Event], State], initial: State
) -> Decided[State]:
    """The stream as a caller shows it: state, version and history, nothing appended."""
    state, version, history = await _fold(conn, stream_id, tenant, evolve, initial)
    return Decided(state, version, [], history)


async def load_state(
    conn: asyncpg.Connection, stream_id: str, tenant: str, evolve: Callable[[State, Event], State], initial: State
) -> tuple[State, int]:
    """The stream folded into state, and its version; another tenant's stream reads as empty."""
    state, version, _ = await _fold(conn, stream_id, tenant, evolve, initial)
    return state, version


async def handle(
    conn: asyncpg.Connection,
    stream_id: str,
    ctx: Context,
    *,
    evolve: Callable[[State, Event], State],
    initial: State,
    decide: Callable[[State], list[Event]],
    if_match: int | None = None,
    new_stream: bool = False,
) -> Decided[State]:
    """Load, decide, append at the loaded version (a concurrent writer makes it a ConcurrencyError).

    `new_stream` skips the load for a stream the caller just named (a fresh id): should it exist after
    all, the append at version 0 clashes and nothing is written.
    """
    if new_stream:
        state, version, history = initial, 0, []
    else:
        state, version, history = await _fold(conn, stream_id, ctx.tenant, evolve, initial)
    if if_match is not None and if_match != version:
        raise PreconditionFailed(stream_id, if_match, version)
    events = decide(state)
    try:
        envelopes = await store.append(conn, stream_id, version, events, ctx)
    except store.ConcurrencyError:
        if if_match is None:
            raise
        raise PreconditionFailed(stream_id, if_match, version + 1) from None
    for event in events:
        state = evolve(state, event)
    return Decided(state, version + len(events), envelopes, history + envelopes)
