"""The one shape of every aggregate: an initial state, evolvers per event class, deciders per command class."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from events.base import Event

State = TypeVar("State")
Evolver = Callable[[State, Any], State]
Handler = Callable[[State, Any], list[Event]]


@dataclass(frozen=True)
class Decider(Generic[State]):
    """`decide(state, command)` and `evolve(state, event)` as pure functions, dispatched on the argument's class.

    `creates` are the commands that start a stream (or replace it whole); every other command first passes
    `precondition`, which refuses a stream that does not exist (NotFound) or a state no command may touch.
    An event no evolver names leaves the state as it is, so old streams keep folding as events are added.
    """

    initial: State
    evolvers: Mapping[type[Event], Evolver]
    deciders: Mapping[type, Handler]
    precondition: Callable[[State, Any], None] | None = None
    creates: tuple[type, ...] = ()

    def evolve(self, state: State, event: Event) -> State:
        evolver = self.evolvers.get(type(event))
        return evolver(state, event) if evolver else state

    def decide(self, state: State, command: Any) -> list[Event]:
        if self.precondition and not isinstance(command, self.creates):
            self.precondition(state, command)
        return self.deciders[type(command)](state, command)

    def fold(self, events: Iterable[Event], state: State | None = None) -> State:
        state = self.initial if state is None else state
        for event in events:
            state = self.evolve(state, event)
        return state

    def decide_all(self, state: State, commands: Iterable[Any]) -> list[Event]:
        """Several commands in a row, each decided on the state the previous ones left."""
        events: list[Event] = []
        for command in commands:
            decided = self.decide(state, command)
            state, events = self.fold(decided, state), events + decided
        return events
