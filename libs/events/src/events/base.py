"""The event base class, the registry of event types, and upcasting of stored versions."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

# A stored payload and the moment its event happened (the envelope's `time`), to the next version's payload:
# a version that adds the business time `at` takes it from there.
Upcaster = Callable[[dict[str, Any], datetime], dict[str, Any]]

_registry: dict[str, type["Event"]] = {}


class UnknownEventType(LookupError):
    """A stored or received event names a type no class is registered for."""


class Event(BaseModel):
    """One fact, past tense. Subclasses set `event_type`, and bump `schema_version` with an upcaster."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    # upcasters[n] turns a stored version-n payload into version n+1; old versions are kept forever.
    upcasters: ClassVar[dict[int, Upcaster]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" in cls.__dict__:
            _register(cls)

    @classmethod
    def upcast(cls, data: dict[str, Any], stored_version: int, occurred_at: datetime) -> dict[str, Any]:
        for version in range(stored_version, cls.schema_version):
            data = cls.upcasters[version](data, occurred_at)
        return data


def _register(cls: type[Event]) -> None:
    known = _registry.get(cls.event_type)
    if known is not None and known.__qualname__ != cls.__qualname__:
        raise TypeError(f"event type {cls.event_type!r} is already used by {known.__qualname__}")
    missing = [v for v in range(1, cls.schema_version) if v not in cls.upcasters]
    if missing:
        raise TypeError(f"{cls.__qualname__} v{cls.schema_version} lacks upcasters from versions {missing}")
    _registry[cls.event_type] = cls


def event_class(event_type: str) -> type[Event]:
    try:
        return _registry[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def registered_events() -> dict[str, type[Event]]:
    return dict(sorted(_registry.items()))


def event_from_stored(event_type: str, stored_version: int, data: dict[str, Any], occurred_at: datetime) -> Event:
    cls = event_class(event_type)
    return cls.model_validate(cls.upcast(data, stored_version, occurred_at))


def stamped_at(data: dict[str, Any], occurred_at: datetime) -> dict[str, Any]:
    """Upcaster for a version that added the business time `at`: before it, the envelope's time was the event's."""
    return {"at": occurred_at.isoformat(), **data}


def renamed_to_at(old: str) -> Upcaster:
    """Upcaster for a version that renamed its business time `old` to the one name every event uses, `at`."""

    def upcast(data: dict[str, Any], occurred_at: datetime) -> dict[str, Any]:
        data = dict(data)
        return {"at": data.pop(old), **data}

    return upcast
