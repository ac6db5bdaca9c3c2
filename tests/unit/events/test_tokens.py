"""Bearer token checks: signature, expiry, issuer, audience and the claims the suite needs."""

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
