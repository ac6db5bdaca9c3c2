"""Projections as small handlers per event class: a handler registered with `on(TicketOpened)` gets typed events."""

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from events.base import Event
from events.envelope import Envelope

EventHandler = Callable[[asyncpg.Connection, Any, Envelope], Awaitable[None]]
EnvelopeHandler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]


class Projection:
    """Read models kept from events: each handler writes its table inside the consumer's transaction.

    A handler gets the event upcast to its current class (never a raw `data` dict) and the envelope, for
    the tenant and the times. `on_every` handlers (the audit history) take every envelope, known type or not.
    """

    def __init__(self) -> None:
        self._by_type: dict[str, list[EventHandler]] = defaultdict(list)
        self._every: list[EnvelopeHandler] = []

    def on(self, *event_classes: type[Event]) -> Callable[[EventHandler], EventHandler]:
        def register(handler: EventHandler) -> EventHandler:
            for cls in event_classes:
                self._by_type[cls.event_type].append(handler)
            return handler

        return register

    def on_every(self, handler: EnvelopeHandler) -> EnvelopeHandler:
        self._every.append(handler)
        return handler

    async def apply(self, conn: asyncpg.Connection, envelope: Envelope) -> None:
        for handle_envelope in self._every:
            await handle_envelope(conn, envelope)
        handlers = self._by_type.get(envelope.type)
        if handlers:
            event = envelope.event()
            for handle_event in handlers:
                await handle_event(conn, event, envelope)
