"""A suite builder: any subset of the services served in process over HTTP, with or without broker and projector."""

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.resources.abc import Traversable

import httpx
from fastapi import FastAPI

from events.contracts import SERVICES
from events.settings import ServiceSettings
from metrics.projector import run_projector
from support.apps import running, serving


def settings_class(service: str) -> type[ServiceSettings]:
    return import_module(f"{service}.settings").Settings


def app_factory(service: str) -> Callable[[ServiceSettings], FastAPI]:
    return import_module(f"{service}.main").create_app


def migrations_of(service: str) -> Traversable:
    return import_module(f"{service}.main").MIGRATIONS


@dataclass
class Suite:
    """The running services: `suite.tickets` is the tickets client; apps and settings by service name."""

    clients: dict[str, httpx.AsyncClient]
    apps: dict[str, FastAPI]
    settings: dict[str, ServiceSettings]

    def __getattr__(self, service: str) -> httpx.AsyncClient:
        try:
            return self.clients[service]
        except KeyError:
            raise AttributeError(service) from None


@contextlib.asynccontextmanager
async def suite_of(settings_for, *services: str, broker: bool = True, projector: bool = False) -> AsyncIterator[Suite]:
    """Serve `services` on the test's schemas; without `broker`, no relay runs and nothing needs Kafka."""
    assert set(services) <= set(SERVICES), services
    settings = {s: settings_for(settings_class(s), relay_enabled=broker) for s in services}
    apps = {s: app_factory(s)(settings[s]) for s in services}
    async with contextlib.AsyncExitStack() as stack:
        clients = {s: await stack.enter_async_context(serving(apps[s])) for s in services}
        if projector:
            await stack.enter_async_context(running(run_projector(settings["metrics"])))
        yield Suite(clients, apps, settings)
