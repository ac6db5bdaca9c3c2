"""Projections as small handlers per event class: a handler registered with `on(TicketOpened)` gets typed events."""

from collections import defaultdict
from collections.abc import Awaitable, Callable
from functools import cache
from time import perf_counter
from typing import Any

import asyncpg
from prometheus_client import Counter

from events.base import Event
from events.envelope import Envelope

EventHandler = Callable[[asyncpg.Connection, Any, Envelope], Awaitable[None]]
EnvelopeHandler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
BatchOfEvents = Callable[[asyncpg.Connection, list[tuple[Any, Envelope]]], Awaitable[None]]
BatchOfEnvelopes = Callable[[asyncpg.Connection, list[Envelope]], Awaitable[None]]

# Which handler a slow projector spends its time in (its SQL included): read on /metrics, and by `make bench`.
HANDLER_SECONDS = Counter("projection_handler_seconds", "Wall time in each projection handler", ["handler"])


class Projection:
    """Read models kept from events: each handler writes its table inside the consumer's transaction.

    A handler gets the event upcast to its current class (never a raw `data` dict) and the envelope, for
    the tenant and the times. `on_every` handlers (the audit history) take every envelope, known type or not.

    `on` and `on_every` handlers run per event, in the order the events came. `on_batch` and `on_every_batch`
    handlers run once per batch the consumer applies, with that batch's events (of their classes) in order, after
    the per-event handlers: one statement for many events, for writes whose order between event classes does not
    matter (counts, sums, rows keyed by the event). A batch of one is the same batch, so both give the same tables.
    """

    def __init__(self) -> None:
        self._by_type: dict[str, list[EventHandler]] = defaultdict(list)
        self._every: list[EnvelopeHandler] = []
        self._batch_by_type: dict[str, list[BatchOfEvents]] = defaultdict(list)
        self._every_batch: list[BatchOfEnvelopes] = []

    def on(self, *event_classes: type[Event]) -> Callable[[EventHandler], EventHandler]:
        return _registrar(self._by_type, event_classes)

    def on_batch(self, *event_classes: type[Event]) -> Callable[[BatchOfEvents], BatchOfEvents]:
        return _registrar(self._batch_by_type, event_classes)

    def on_every(self, handler: EnvelopeHandler) -> EnvelopeHandler:
        self._every.append(handler)
        return handler

    def on_every_batch(self, handler: BatchOfEnvelopes) -> BatchOfEnvelopes:
        self._every_batch.append(handler)
        return handler

    async def apply(self, conn: asyncpg.Connection, envelope: Envelope) -> None:
        await self.apply_batch(conn, [envelope])

    async def apply_batch(self, conn: asyncpg.Connection, envelopes: list[Envelope]) -> None:
        spent: dict[Callable, float] = defaultdict(float)
        try:
            await self._apply_batch(conn, envelopes, spent)
        finally:
            for handler, seconds in spent.items():
                _seconds_of(handler).inc(seconds)

    async def _apply_batch(self, conn: asyncpg.Connection, envelopes: list[Envelope], spent: dict) -> None:
        typed: dict[str, list[tuple[Any, Envelope]]] = defaultdict(list)
        for envelope in envelopes:
            for handle_envelope in self._every:
                await _timed(spent, handle_envelope, conn, envelope)
            handlers, batched = self._by_type.get(envelope.type), envelope.type in self._batch_by_type
            if handlers or batched:
                event = envelope.event()  # parsed and upcast once, whoever handles it
                for handle_event in handlers or ():
                    await _timed(spent, handle_event, conn, event, envelope)
                if batched:
                    typed[envelope.type].append((event, envelope))
        for handle_envelopes in self._every_batch:
            await _timed(spent, handle_envelopes, conn, envelopes)
        for event_type, events in typed.items():
            for handle_events in self._batch_by_type[event_type]:
                await _timed(spent, handle_events, conn, events)


@cache
def _seconds_of(handler: Callable) -> Any:
    return HANDLER_SECONDS.labels(f"{handler.__module__}.{handler.__qualname__}")


async def _timed(spent: dict[Callable, float], handler: Callable, *args: Any) -> None:
    started = perf_counter()
    try:
        await handler(*args)
    finally:
        spent[handler] += perf_counter() - started


def _registrar(table: dict[str, list], event_classes: tuple[type[Event], ...]) -> Callable:
    def register(handler):
        for cls in event_classes:
            table[cls.event_type].append(handler)
        return handler

    return register
