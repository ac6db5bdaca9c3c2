"""Builders for the pieces a test runs: settings, tokens, an app behind an HTTP client, a waiting helper."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from events import tasks
from events.tokens import mint

T = TypeVar("T")


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running (pool, migrations, relay), reached over ASGI HTTP."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def ok(response: httpx.Response, status: int = 200) -> Any:
    """The answer's JSON body, once its status is the one expected (else the body says why not)."""
    assert response.status_code == status, response.text
    return response.json()


async def eventually(probe: Callable[[], Awaitable[T]], *, within: float = 5.0, interval: float = 0.05) -> T:
    """The first truthy answer of `probe` within `within` seconds, else the last answer, asserted."""
    deadline = time.monotonic() + within
    while True:
        answer = await probe()
        if answer or time.monotonic() > deadline:
            assert answer, f"still {answer!r} after {within}s"
            return answer
        await asyncio.sleep(interval)


class Tokens:
    """Signs tokens the services under test accept."""

    def __init__(self, private_pem: str, tenant: str):
        self.private_pem = private_pem
        self.tenant = tenant

    def __call__(self, *roles: str, sub: str = "alice", tenant: str | None = None, **claims) -> str:
        return mint(self.private_pem, subject=sub, tenant=tenant or self.tenant, roles=list(roles), **claims)

    def headers(self, *roles: str, sub: str = "alice", tenant: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self(*roles, sub=sub, tenant=tenant)}"}


@contextlib.asynccontextmanager
async def running(coroutine) -> AsyncIterator[asyncio.Task]:
    """A background task (a projector, a relay) for the length of the block, cancelled after."""
    task = asyncio.create_task(coroutine)
    try:
        yield task
    finally:
        await tasks.stop(task)
