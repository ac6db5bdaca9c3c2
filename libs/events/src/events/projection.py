"""Projections as small handlers per event class: a handler registered with `on(TicketOpened)` gets typed events."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
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
    matter (counts, sums, rows keyed by the event). `on_events` handlers run once per batch too, with the batch's
    events of all their classes together, in the order they came (facts folded from several event classes).
    A batch of one is the same batch, so all give the same tables.

    Each event of a batch is parsed and upcast once, whichever handlers read it: by `apply_batch`, or ahead of it by
    `read` (a replay parses the next batch while Postgres writes this one).
    """

    def __init__(self) -> None:
        self._by_type: dict[str, list[EventHandler]] = defaultdict(list)
        self._every: list[EnvelopeHandler] = []
        self._batch_by_type: dict[str, list[BatchOfEvents]] = defaultdict(list)
        self._every_batch: list[BatchOfEnvelopes] = []
        self._in_order: list[tuple[frozenset[str], BatchOfEvents]] = []

    def on(self, *event_classes: type[Event]) -> Callable[[EventHandler], EventHandler]:
        return _registrar(self._by_type, event_classes)

    def on_batch(self, *event_classes: type[Event]) -> Callable[[BatchOfEvents], BatchOfEvents]:
        return _registrar(self._batch_by_type, event_classes)

    def on_events(self, *event_classes: type[Event]) -> Callable[[BatchOfEvents], BatchOfEvents]:
        def register(handler: BatchOfEvents) -> BatchOfEvents:
            self._in_order.append((frozenset(cls.event_type for cls in event_classes), handler))
            return handler

        return register

    def on_every(self, handler: EnvelopeHandler) -> EnvelopeHandler:
        self._every.append(handler)
        return handler

    def on_every_batch(self, handler: BatchOfEnvelopes) -> BatchOfEnvelopes:
        self._every_batch.append(handler)
        return handler

    def replaced(self, handlers: Mapping[Callable, Callable]) -> "Projection":
        """The same projection with some handlers stood in for by others taking the same arguments: a rebuild's,
        which keep a read model in memory and write it once at the end."""
        copy = Projection()
        swap = lambda handler: handlers.get(handler, handler)  # noqa: E731
        for event_type, found in self._by_type.items():
            copy._by_type[event_type] = [swap(h) for h in found]
        for event_type, found in self._batch_by_type.items():
            copy._batch_by_type[event_type] = [swap(h) for h in found]
        copy._every = [swap(h) for h in self._every]
        copy._every_batch = [swap(h) for h in self._every_batch]
        copy._in_order = [(types, swap(h)) for types, h in self._in_order]
        return copy

    async def apply(self, conn: asyncpg.Connection, envelope: Envelope) -> None:
        await self.apply_batch(conn, [envelope])

    async def apply_batch(self, conn: asyncpg.Connection, envelopes: list[Envelope],
                          read: Mapping[int, Event] | None = None) -> None:  # fmt: skip
        """Apply the batch's events; `read`: those already parsed, as `read` gave them."""
        spent: dict[Callable, float] = defaultdict(float)
        try:
            await self._apply_batch(conn, envelopes, read or {}, spent)
        finally:
            for handler, seconds in spent.items():
                _seconds_of(f"{handler.__module__}.{handler.__qualname__}").inc(seconds)

    def read(self, envelopes: list[Envelope]) -> dict[int, Event]:
        """The events of the envelopes that some handler takes typed, parsed and upcast, by the envelope's `id()`
        (while the caller holds the envelopes). One that does not parse is left out: `apply_batch` parses it again,
        and fails its batch there."""
        read, wanted = {}, self._read()
        for envelope in envelopes:
            if envelope.type in wanted:
                try:
                    read[id(envelope)] = envelope.event()
                except Exception:  # the batch's own parse raises it, and the batch is applied one by one
                    continue
        return read

    def _read(self) -> frozenset[str]:
        """The event types some handler takes typed (they are parsed; the others only the audit history sees)."""
        types = {*self._by_type, *self._batch_by_type}
        for wanted, _ in self._in_order:
            types |= wanted
        return frozenset(types)

    async def _apply_batch(self, conn: asyncpg.Connection, envelopes: list[Envelope], read: Mapping[int, Event],
                           spent: dict) -> None:  # fmt: skip
        wanted = self._read()
        events = [(read.get(id(envelope)) or envelope.event(), envelope) for envelope in envelopes
                  if envelope.type in wanted]  # fmt: skip
        if self._every or self._by_type:
            await self._per_event(conn, envelopes, events, spent)
        for handle_envelopes in self._every_batch:
            await _timed(spent, handle_envelopes, conn, envelopes)
        typed: dict[str, list[tuple[Any, Envelope]]] = defaultdict(list)
        for event, envelope in events:
            if envelope.type in self._batch_by_type:
                typed[envelope.type].append((event, envelope))
        for event_type, of_type in typed.items():
            for handle_events in self._batch_by_type[event_type]:
                await _timed(spent, handle_events, conn, of_type)
        for wanted, handle_in_order in self._in_order:
            chosen = [pair for pair in events if pair[1].type in wanted]
            if chosen:
                await _timed(spent, handle_in_order, conn, chosen)

    async def _per_event(self, conn: asyncpg.Connection, envelopes: list[Envelope], events: list, spent: dict) -> None:
        parsed = {id(envelope): event for event, envelope in events}
        for envelope in envelopes:
            for handle_envelope in self._every:
                await _timed(spent, handle_envelope, conn, envelope)
            for handle_event in self._by_type.get(envelope.type, ()):
                await _timed(spent, handle_event, conn, parsed[id(envelope)], envelope)


@cache  # by name, not by handler: a rebuild's handlers (bound to what they keep in memory) are not held on to
def _seconds_of(name: str) -> Any:
    return HANDLER_SECONDS.labels(name)


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
