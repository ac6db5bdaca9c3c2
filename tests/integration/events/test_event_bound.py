"""Every append is bounded: a command whose event the relay could never publish is refused (413) and stores nothing."""

from dataclasses import dataclass

import httpx
import pytest
from fastapi import Body, FastAPI

from events import streams
from events.db import STORE_MIGRATIONS, create_pool, migrate_pool
from events.decider import Decider
from events.envelope import Context
from events.http import PROBLEM_TYPE, install_problem_handlers
from support.builders import opened

CTX = Context(tenant="ottawa", actor="alice", correlation_id="c-1")


@dataclass(frozen=True)
class OpenWithDescription:
    description: str


TICKET = Decider(initial=None, evolvers={}, creates=(OpenWithDescription,),
                 deciders={OpenWithDescription: lambda state, c: [opened(description=c.description)]})


@pytest.fixture
async def pool(stack, db, namespace):
    schema = f"{namespace}_store"
    pool = await create_pool(stack.database_url, schema)
    await migrate_pool(pool, schema, {"events.store": STORE_MIGRATIONS})
    yield pool
    await pool.close()


@pytest.fixture
async def client(pool):
    """A route on the kit alone: handle, and the refusals answered as problems."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/tickets/{ticket_id}")
    async def open_ticket(ticket_id: str, description: str = Body(embed=True)) -> dict:
        async with pool.acquire() as conn:
            stream = await streams.handle(conn, TICKET, ticket_id, OpenWithDescription(description), CTX)
        return {"version": stream.version}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kit") as client:
        yield client


async def test_a_command_whose_event_is_over_the_bound_is_a_413_naming_the_command_and_stores_nothing(client, pool):
    refused = await client.post("/tickets/big", json={"description": "x" * 600_000})

    assert refused.status_code == 413, refused.text
    assert refused.headers["content-type"] == PROBLEM_TYPE
    problem = refused.json()
    assert problem["rule"] == "EventTooLarge"
    assert "OpenWithDescription would record tickets.ticket_opened" in problem["detail"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events") == 0


async def test_an_event_under_the_bound_is_stored(client, pool):
    accepted = await client.post("/tickets/fine", json={"description": "x" * 400_000})

    assert accepted.status_code == 200, accepted.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events WHERE stream_id = 'fine'") == 1
