"""What every route shares: the pool, If-Match and Idempotency-Key, and one way to run a command and answer it."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import asyncpg
import orjson
from fastapi import Depends, Header, Request, Response

from events.auth import Principal
from events.envelope import Context
from events.errors import Refused
from events.idempotency import MAX_KEY_LENGTH, Outcome, fingerprint, run_once


async def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


Pool = Annotated[asyncpg.Pool, Depends(_pool)]


class BadIfMatch(Refused):
    status = 400


def version_in(if_match: str | None) -> int | None:
    """The stream version the caller last saw, from `If-Match: "7"`; absent means no precondition."""
    if if_match is None:
        return None
    value = if_match.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise BadIfMatch('If-Match: expected an ETag such as "7", as returned by a GET')
    return int(value)


IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=40,
                                       description='the ETag of the version the caller acts on, e.g. "7"')]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=MAX_KEY_LENGTH)]


def etag(version: int) -> str:
    return f'"{version}"'


def correlation_id(request: Request) -> str:
    return request.scope["state"]["correlation_id"]


def context_for(request: Request, principal: Principal) -> Context:
    """The command context: tenant and actor from the token, correlation from the request."""
    return Context(tenant=principal.tenant, actor=principal.user_id, correlation_id=correlation_id(request))


@dataclass(frozen=True)
class Answer:
    """What a command route answers: the body, the stream version it shows (the ETag), and for a creation its URL."""

    body: Any
    version: int
    location: str | None = None

    def outcome(self) -> Outcome:
        headers = {"ETag": etag(self.version)}
        if self.location:
            headers["Location"] = self.location
        return Outcome(201 if self.location else 200, self.body, headers)


def respond(outcome: Outcome) -> Response:
    return Response(orjson.dumps(outcome.body), status_code=outcome.status_code, headers=outcome.headers,
                    media_type="application/json")


def answered(body: Any, version: int) -> Response:
    """A read answered with its version as the ETag, so the caller can send it back as If-Match."""
    return respond(Answer(body, version).outcome())


Command = Callable[[asyncpg.Connection, Context], Awaitable[Answer]]


@dataclass(frozen=True)
class Call:
    """A command route's request: the pool, the caller's If-Match and Idempotency-Key."""

    request: Request
    pool: asyncpg.Pool
    if_match: int | None
    idempotency_key: str | None

    async def run(self, principal: Principal, command: Command) -> Response:
        """Run `command` in one transaction and answer it; a repeated Idempotency-Key answers the first result.

        The key is the caller's own: the same key from another caller is another key, and the same key with
        another request from the same caller is refused. A replayed answer carries `Idempotent-Replayed: true`.
        """
        ctx = context_for(self.request, principal)

        async def run_in(conn: asyncpg.Connection) -> Outcome:
            return (await command(conn, ctx)).outcome()

        request_hash = await self._fingerprint() if self.idempotency_key is not None else ""
        kept_for = timedelta(hours=self.request.app.state.settings.idempotency_key_hours)
        return respond(await run_once(self.pool, principal.tenant, self.idempotency_key, request_hash, run_in,
                                      caller=principal.user_id, kept_for=kept_for))

    async def _fingerprint(self) -> str:
        body = _comparable(await self.request.body())
        return fingerprint(self.request.method, self.request.url.path, body)


def _comparable(raw: bytes) -> Any:
    """The body as parsed JSON, so that spacing and key order do not make two requests differ."""
    try:
        return orjson.loads(raw or b"null")
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")


async def _call(request: Request, if_match: IfMatch = None, idempotency_key: IdempotencyKey = None) -> Call:
    # One dependency with the two headers, not three: each level of dependencies costs every request.
    return Call(request, request.app.state.pool, version_in(if_match), idempotency_key)


CommandCall = Annotated[Call, Depends(_call)]
