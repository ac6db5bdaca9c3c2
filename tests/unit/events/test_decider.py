"""The kit's Decider and its given / when / then helpers, on a toy lamp defined here."""

from dataclasses import dataclass, replace

import pytest

from events.base import Event
from events.decider import Decider
from events.errors import DomainError, NotFound
from events.testing import given


@dataclass(frozen=True)
class Lamp:
    installed: bool = False
    on: bool = False
    switches: int = 0


NO_LAMP = Lamp()


class Installed(Event):
    room: str


class SwitchedOn(Event):
    pass


class SwitchedOff(Event):
    pass


class Dusted(Event):
    """An event the lamp has no evolver for, as a newer version of the service might record."""


@dataclass(frozen=True)
class Install:
    room: str


@dataclass(frozen=True)
class SwitchOn:
    pass


@dataclass(frozen=True)
class SwitchOff:
    pass


class AlreadyInstalled(DomainError):
    pass


class AlreadyOn(DomainError):
    pass


def _must_be_installed(state: Lamp, command: object) -> None:
    if not state.installed:
        raise NotFound("no such lamp")


def _install(state: Lamp, c: Install) -> list[Event]:
    if state.installed:
        raise AlreadyInstalled(f"the lamp is already installed; not again in the {c.room}")
    return [Installed(room=c.room)]


def _switch_on(state: Lamp, c: SwitchOn) -> list[Event]:
    if state.on:
        raise AlreadyOn("the lamp is already on")
    return [SwitchedOn()]


def _switch_off(state: Lamp, c: SwitchOff) -> list[Event]:
    return [SwitchedOff()] if state.on else []


LAMP = Decider(
    initial=NO_LAMP,
    evolvers={
        Installed: lambda s, e: replace(s, installed=True),
        SwitchedOn: lambda s, e: replace(s, on=True, switches=s.switches + 1),
        SwitchedOff: lambda s, e: replace(s, on=False, switches=s.switches + 1),
    },
    deciders={Install: _install, SwitchOn: _switch_on, SwitchOff: _switch_off},
    precondition=_must_be_installed,
    creates=(Install,),
)
INSTALLED = Installed(room="hall")


def test_evolve_dispatches_on_the_class_of_the_event():
    lit = LAMP.evolve(LAMP.evolve(NO_LAMP, INSTALLED), SwitchedOn())
    assert lit == Lamp(installed=True, on=True, switches=1)
    assert LAMP.evolve(lit, SwitchedOff()) == Lamp(installed=True, on=False, switches=2)


def test_an_event_no_evolver_names_leaves_the_state_as_it_is():
    lit = Lamp(installed=True, on=True, switches=1)
    assert LAMP.evolve(lit, Dusted()) is lit
    assert LAMP.fold([INSTALLED, Dusted(), SwitchedOn(), Dusted()]) == lit


def test_fold_starts_from_the_initial_state_unless_given_one():
    assert LAMP.fold([]) is NO_LAMP
    assert LAMP.fold([INSTALLED, SwitchedOn()]) == Lamp(installed=True, on=True, switches=1)
    assert LAMP.fold([SwitchedOff()], Lamp(installed=True, on=True, switches=4)) == Lamp(installed=True, switches=5)


def test_the_precondition_refuses_every_command_but_those_that_create():
    assert LAMP.decide(NO_LAMP, Install("hall")) == [INSTALLED]
    with pytest.raises(NotFound, match="no such lamp"):
        LAMP.decide(NO_LAMP, SwitchOn())
    with pytest.raises(NotFound, match="no such lamp"):
        LAMP.decide(NO_LAMP, SwitchOff())  # its decider would record nothing: the precondition speaks first


def test_a_creating_command_is_left_to_its_decider_to_refuse():
    with pytest.raises(AlreadyInstalled, match="not again in the attic"):
        LAMP.decide(LAMP.fold([INSTALLED]), Install("attic"))


def test_a_decider_without_a_precondition_decides_on_any_state():
    bare = replace(LAMP, precondition=None)
    assert bare.decide(NO_LAMP, SwitchOn()) == [SwitchedOn()]


def test_decide_all_decides_each_command_on_the_state_the_previous_ones_left():
    events = LAMP.decide_all(NO_LAMP, [Install("hall"), SwitchOn(), SwitchOff(), SwitchOff(), SwitchOn()])
    assert events == [INSTALLED, SwitchedOn(), SwitchedOff(), SwitchedOn()]
    assert LAMP.decide_all(LAMP.fold(events), []) == []


def test_decide_all_stops_at_the_first_refusal():
    with pytest.raises(AlreadyOn):
        LAMP.decide_all(NO_LAMP, [Install("hall"), SwitchOn(), SwitchOn()])


def test_given_folds_its_history_into_the_state():
    assert given(LAMP).state is NO_LAMP
    assert given(LAMP, INSTALLED, SwitchedOn()).state == Lamp(installed=True, on=True, switches=1)


def test_when_answers_the_events_the_command_decides_on_the_history():
    assert given(LAMP, INSTALLED).when(SwitchOn()) == [SwitchedOn()]
    assert given(LAMP, INSTALLED).when(SwitchOff()) == []


def test_then_passes_on_exactly_the_expected_events_and_fails_on_any_other():
    given(LAMP, INSTALLED).then(SwitchOn(), SwitchedOn())
    given(LAMP, INSTALLED).then(SwitchOff())
    with pytest.raises(AssertionError, match="expected"):
        given(LAMP, INSTALLED).then(SwitchOn())
    with pytest.raises(AssertionError, match="expected"):
        given(LAMP, INSTALLED).then(SwitchOn(), SwitchedOn(), SwitchedOn())
    with pytest.raises(AssertionError, match="expected"):
        given(LAMP, INSTALLED).then(SwitchOn(), SwitchedOff())


def test_refuses_answers_the_refusal_of_the_class_and_message_asked():
    refusal = given(LAMP, INSTALLED, SwitchedOn()).refuses(SwitchOn(), AlreadyOn, match="already on")
    assert isinstance(refusal, AlreadyOn)
    given(LAMP).refuses(SwitchOn(), NotFound)


def test_refuses_fails_when_the_command_is_not_refused():
    with pytest.raises(AssertionError, match="SwitchOn was not refused"):
        given(LAMP, INSTALLED).refuses(SwitchOn(), AlreadyOn)


def test_refuses_fails_when_the_message_does_not_match():
    with pytest.raises(AssertionError, match="does not match"):
        given(LAMP, INSTALLED, SwitchedOn()).refuses(SwitchOn(), AlreadyOn, match="already off")


def test_refuses_lets_a_refusal_of_another_class_through():
    with pytest.raises(NotFound):
        given(LAMP).refuses(SwitchOn(), AlreadyOn)
