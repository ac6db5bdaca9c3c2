"""Bearer JWT authentication and role checks: deny by default, the tenant always from the token."""

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from events.errors import Forbidden
from events.settings import ServiceSettings


class Role(StrEnum):
    STAFF = "staff"
    TECHNICIAN = "technician"
    MANAGER = "manager"
    AUDITOR = "auditor"
    REPORTING = "reporting"


@dataclass(frozen=True)
class Principal:
    user_id: str
    tenant: str
    roles: frozenset[str]

    def has_any(self, roles: tuple[Role, ...]) -> bool:
        return not self.roles.isdisjoint(roles)


CACHE_SIZE = 10_000


class TokenVerifier:
    """Checks signature, expiry, issuer and audience against a configured key or a JWKS URL."""

    def __init__(self, settings: ServiceSettings):
        if not (settings.auth_key or settings.auth_jwks_url):
            raise ValueError("set AUTH_KEY (a PEM public key or shared secret) or AUTH_JWKS_URL to check tokens")
        self.issuer = settings.auth_issuer
        self.audience = settings.auth_audience
        self.algorithms = settings.auth_algorithms
        self.max_lifetime = settings.auth_max_token_lifetime_seconds
        self.key = _parsed(settings.auth_key)
        self.jwks = jwt.PyJWKClient(settings.auth_jwks_url) if settings.auth_jwks_url else None
        # Checking an ES256 signature costs more than the rest of a small request; staff reuse tokens.
        self._verified: dict[str, tuple[Principal, float]] = {}

    @property
    def may_block(self) -> bool:
        """A JWKS lookup can go over the network, so it must stay off the event loop."""
        return self.jwks is not None

    def _key_for(self, token: str):
        return self.jwks.get_signing_key_from_jwt(token).key if self.jwks else self.key

    def verify(self, token: str) -> Principal:
        """The token's principal; a token verified before is answered from memory until it expires."""
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        principal, expires = self._verify(token)
        if len(self._verified) >= CACHE_SIZE:
            self._verified.clear()  # crude, but bounded; a busy desk re-verifies at most once per token
        self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self._key_for(token),
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
            _check_lifetime(claims, self.max_lifetime)
            return _principal(claims), float(claims["exp"])
        except jwt.PyJWTError:
            raise
        except Exception as error:
            # A forged header can make PyJWT fail inside itself (an RS256 header with an EC key: TypeError),
            # a claim can have a type nobody expected; a token that does not verify is refused, never a 500.
            raise jwt.InvalidTokenError(f"the token does not verify ({type(error).__name__})") from error


def _check_lifetime(claims: dict, max_lifetime: int) -> None:
    """Refuse a token meant to live longer than `max_lifetime` seconds, from its issue or from now."""
    now = time.time()
    if claims["exp"] - min(claims.get("iat", now), now) > max_lifetime:
        raise jwt.InvalidTokenError(f"the token lives longer than the {max_lifetime} seconds allowed")


def _parsed(key: str):
    """A PEM public key parsed once (parsing it per request costs more than checking the signature)."""
    if key.lstrip().startswith("-----BEGIN"):
        return serialization.load_pem_public_key(key.encode())
    return key


def _principal(claims: dict) -> Principal:
    user, tenant, roles = claims["sub"], claims.get("tenant"), claims.get("roles")
    if not _usable(user) or not _usable(tenant) or not isinstance(roles, list):
        raise jwt.InvalidTokenError("token lacks a subject, a tenant or roles claim")
    return Principal(user_id=user, tenant=tenant, roles=frozenset(map(str, roles)))


def _usable(claim) -> bool:
    """A non-empty string the database can store (Postgres text cannot hold NUL)."""
    return isinstance(claim, str) and bool(claim) and "\x00" not in claim


_bearer = HTTPBearer(auto_error=False)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="helpdesk"'})


async def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    # Dependencies are async so FastAPI does not hop to a worker thread for each of them.
    if credentials is None:
        raise _unauthorized("a bearer token is required")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        if verifier.may_block:
            principal = await run_in_threadpool(verifier.verify, credentials.credentials)
        else:
            principal = verifier.verify(credentials.credentials)
    except jwt.PyJWTError as error:
        raise _unauthorized(f"invalid token: {error}") from None
    # The request's log line, and every line logged while handling it, name the caller.
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(tenant=principal.tenant, actor=principal.user_id)
    return principal


def requires(*roles: Role):
    """A dependency that lets through only callers holding one of `roles`."""

    async def check(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not principal.has_any(roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
        return principal

    check.allowed_roles = roles  # read by the endpoint-by-role test
    return Depends(check)


# The named role sets; which route takes which set is each service's choice.
AGENTS = (Role.TECHNICIAN, Role.MANAGER)  # work tickets, work orders, devices and accounts
PARTICIPANTS = (Role.STAFF, *AGENTS)  # open and follow tickets, ask for training
DESK = (*AGENTS, Role.AUDITOR)  # read the desk's work
MEMBERS = (Role.STAFF, *DESK)  # everyone inside the department's tools
MANAGERS = (Role.MANAGER,)  # policy, budgets, reference data
METRICS_READERS = (Role.MANAGER, Role.AUDITOR, Role.REPORTING)  # the KPIs and the audit history

Agent = Annotated[Principal, requires(*AGENTS)]
Participant = Annotated[Principal, requires(*PARTICIPANTS)]
Desk = Annotated[Principal, requires(*DESK)]
Member = Annotated[Principal, requires(*MEMBERS)]
Manager = Annotated[Principal, requires(*MANAGERS)]
MetricsReader = Annotated[Principal, requires(*METRICS_READERS)]
