"""Given / when / then for deciders, without I/O: the events given, a command, and the events or the refusal."""

import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from events.base import Event
from events.decider import Decider

State = TypeVar("State")


@dataclass(frozen=True)
class Given(Generic[State]):
    decider: Decider[State]
    history: tuple[Event, ...]

    @property
    def state(self) -> State:
        return self.decider.fold(self.history)

    def when(self, command: Any) -> list[Event]:
        """The events the command decides on this history."""
        return self.decider.decide(self.state, command)

    def then(self, command: Any, *expected: Event) -> None:
        decided = self.when(command)
        assert decided == list(expected), f"decided {decided}, expected {list(expected)}"

    def refuses(self, command: Any, error: type[Exception], match: str | None = None) -> Exception:
        """The command is refused with `error` (whose message matches `match`), and so records nothing."""
        try:
            decided = self.when(command)
        except error as refusal:
            assert match is None or re.search(match, str(refusal)), f"{refusal!s} does not match {match!r}"
            return refusal
        raise AssertionError(f"{type(command).__name__} was not refused: it decided {decided}")


def given(decider: Decider[State], *history: Event) -> Given[State]:
    return Given(decider, history)
