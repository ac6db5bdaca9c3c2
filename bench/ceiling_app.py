"""The HTTP ceiling: bare FastAPI, a pydantic body, one single-row INSERT; served as bench.ceiling_app:create_app."""

import contextlib
import os
from collections.abc import AsyncIterator
from uuid import uuid4

from fastapi import FastAPI, Request
from pydantic import BaseModel

from events.db import create_pool

TABLE = "ceiling_items"
CREATE_TABLE = f"""CREATE TABLE {TABLE} (id uuid PRIMARY KEY, subject text NOT NULL, description text NOT NULL,
    category text NOT NULL, impact text NOT NULL, urgency text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now())"""
_INSERT = f"INSERT INTO {TABLE} (id, subject, description, category, impact, urgency) VALUES ($1, $2, $3, $4, $5, $6)"


class Item(BaseModel):
    """The same fields POST /tickets takes, so that both sides parse a body of the same size."""

    subject: str
    description: str
    category: str
    impact: str
    urgency: str


def create_app() -> FastAPI:
    dsn, schema = os.environ["DATABASE_URL"], os.environ["DB_SCHEMA"]
    pool_size = int(os.environ.get("DB_POOL_SIZE", "20"))  # the services' default

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The services' own pool factory: same size, codecs and cheap release, so only the request work differs.
        app.state.pool = await create_pool(dsn, schema, max_size=pool_size)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/readyz")
    async def readyz() -> dict:
        return {"status": "ready"}

    @app.post("/items", status_code=201)
    async def create_item(item: Item, request: Request) -> dict:
        item_id = uuid4()
        await request.app.state.pool.execute(
            _INSERT, item_id, item.subject, item.description, item.category, item.impact, item.urgency
        )
        return {"id": str(item_id)}

    return app
