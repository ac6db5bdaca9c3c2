"""Bearer token checks: signature, expiry, issuer, audience and the claims the suite needs."""

import base64
import json
import time

import jwt
import pytest

from events.auth import TokenVerifier
from events.settings import ServiceSettings
from events.tokens import mint, new_signing_key

PRIVATE, PUBLIC = new_signing_key()
VERIFIER = TokenVerifier(ServiceSettings(service="tickets", auth_key=PUBLIC))


def token(**overrides) -> str:
    args = dict(subject="alice", tenant="ottawa", roles=["staff"])
    return mint(PRIVATE, **{**args, **overrides})


def test_a_valid_token_gives_user_tenant_and_roles():
    principal = VERIFIER.verify(token(roles=["staff", "auditor"]))
    assert (principal.user_id, principal.tenant, principal.roles) == ("alice", "ottawa", {"staff", "auditor"})


@pytest.mark.parametrize(("overrides", "error"), [
    ({"ttl_seconds": -10}, jwt.ExpiredSignatureError),
    ({"issuer": "someone-else"}, jwt.InvalidIssuerError),
    ({"audience": "another-app"}, jwt.InvalidAudienceError),
    ({"tenant": ""}, jwt.InvalidTokenError),
])
def test_tokens_that_fail_a_check_are_refused(overrides, error):
    with pytest.raises(error):
        VERIFIER.verify(token(**overrides))


def test_a_token_signed_by_another_key_is_refused():
    with pytest.raises(jwt.InvalidSignatureError):
        VERIFIER.verify(mint(new_signing_key()[0], subject="mallory", tenant="ottawa", roles=["manager"]))


def test_an_unsigned_token_is_refused():
    forged = jwt.encode({"sub": "m", "tenant": "t", "roles": ["manager"], "iss": "helpdesk-dev", "aud": "helpdesk",
                         "exp": 9999999999}, key=None, algorithm="none")
    with pytest.raises(jwt.InvalidAlgorithmError):
        VERIFIER.verify(forged)


def test_a_remembered_token_is_refused_once_it_expires():
    verifier = TokenVerifier(ServiceSettings(service="tickets", auth_key=PUBLIC))
    short_lived = token(ttl_seconds=1)
    assert verifier.verify(short_lived).user_id == "alice"
    time.sleep(1.1)
    with pytest.raises(jwt.ExpiredSignatureError):
        verifier.verify(short_lived)


def forged(header: dict, claims: dict) -> str:
    def part(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.{base64.urlsafe_b64encode(b'x' * 64).rstrip(b'=').decode()}"


@pytest.mark.parametrize("header", [{"alg": "RS256"}, {"alg": "RS256", "typ": "JWT"}, {"alg": "PS256"},
                                    {"alg": "ES256", "kid": ["x"]}, {"alg": ["ES256"]}, {"alg": "HS256"}])
def test_a_token_whose_header_names_another_algorithm_or_shape_is_refused_as_invalid(header):
    claims = {"sub": "m", "tenant": "t", "roles": ["manager"], "iss": "helpdesk-dev", "aud": "helpdesk",
              "exp": int(time.time()) + 60}
    with pytest.raises(jwt.InvalidTokenError):
        VERIFIER.verify(forged(header, claims))


@pytest.mark.parametrize("ttl_seconds", [100 * 365 * 86400, 24 * 3600 + 120])
def test_a_token_meant_to_live_longer_than_a_day_is_refused(ttl_seconds):
    with pytest.raises(jwt.InvalidTokenError, match="lives longer"):
        VERIFIER.verify(token(ttl_seconds=ttl_seconds))


def test_a_token_issued_long_before_its_expiry_is_refused_even_if_it_expires_soon():
    now = int(time.time())
    claims = {"iss": "helpdesk-dev", "aud": "helpdesk", "sub": "alice", "tenant": "ottawa", "roles": ["staff"],
              "iat": now - 30 * 86400, "exp": now + 60}
    with pytest.raises(jwt.InvalidTokenError, match="lives longer"):
        VERIFIER.verify(jwt.encode(claims, PRIVATE, algorithm="ES256"))


def test_the_lifetime_cap_is_a_setting():
    strict = TokenVerifier(ServiceSettings(service="tickets", auth_key=PUBLIC, auth_max_token_lifetime_seconds=600))
    assert strict.verify(token(ttl_seconds=500)).user_id == "alice"
    with pytest.raises(jwt.InvalidTokenError):
        strict.verify(token(ttl_seconds=3600))


@pytest.mark.parametrize("overrides", [{"subject": "al\u0000ice"}, {"tenant": "ott\u0000awa"}, {"subject": ""}])
def test_a_subject_or_tenant_the_database_cannot_store_is_refused(overrides):
    with pytest.raises(jwt.InvalidTokenError):
        VERIFIER.verify(token(**overrides))
