"""Development signing keys and tokens: `python -m events.tokens --help`."""

import argparse
import sys
import time
from pathlib import Path
from uuid import uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ES256"


def new_signing_key() -> tuple[str, str]:
    """A fresh P-256 key pair as (private PEM, public PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


def public_key_of(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def mint(
    private_pem: str, *, subject: str, tenant: str, roles: list[str], issuer: str = "helpdesk-dev",
    audience: str = "helpdesk", ttl_seconds: int = 12 * 3600,
) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer, "aud": audience, "sub": subject, "tenant": tenant, "roles": roles,
        "iat": now, "exp": now + ttl_seconds, "jti": str(uuid4()),
    }
    return jwt.encode(claims, private_pem, algorithm=ALGORITHM)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m events.tokens", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    keygen = sub.add_parser("keygen", help="write a new private key and print its public key")
    keygen.add_argument("path", type=Path)
    token = sub.add_parser("mint", help="print a signed token")
    token.add_argument("--key", type=Path, required=True, help="private key PEM file")
    token.add_argument("--sub", required=True, help="user id")
    token.add_argument("--tenant", required=True)
    token.add_argument("--role", action="append", required=True, dest="roles")
    token.add_argument("--issuer", default="helpdesk-dev")
    token.add_argument("--audience", default="helpdesk")
    token.add_argument("--ttl", type=int, default=12 * 3600, help="seconds")
    args = parser.parse_args(argv)
    if args.command == "keygen":
        private, public = new_signing_key()
        args.path.write_text(private)
        args.path.chmod(0o600)
        sys.stdout.write(public)
    else:
        sys.stdout.write(mint(args.key.read_text(), subject=args.sub, tenant=args.tenant, roles=args.roles,
                              issuer=args.issuer, audience=args.audience, ttl_seconds=args.ttl) + "\n")


if __name__ == "__main__":
    main()
