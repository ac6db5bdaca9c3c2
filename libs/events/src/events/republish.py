"""Re-filling a topic from its event store: mark events unpublished so the relay sends them again.

`python -m events.republish --schema tickets [--from-position N] [--unpark]`, with DATABASE_URL set. Consumers
deduplicate by event id, so republishing what they already have changes nothing; a consumer that lost
its history (a new projection, a broker that forgot its topics) gets all of it, in stream order.
`--unpark` hands the events the broker refused for good (parked) back to the relay, once the broker takes them.
"""

import argparse
import asyncio
import os

import asyncpg

_REPUBLISH = """
UPDATE events SET published_at = NULL, pending_since = now()
WHERE global_position >= $1 AND published_at IS NOT NULL
"""
_UNPARK = """
UPDATE events SET parked_at = NULL, park_reason = NULL, pending_since = now()
WHERE global_position >= $1 AND parked_at IS NOT NULL
"""


async def republish(conn: asyncpg.Connection, from_position: int = 0) -> int:
    """Mark every event from `from_position` on for publishing again; returns how many."""
    status = await conn.execute(_REPUBLISH, from_position)
    return int(status.split()[-1])


async def unpark(conn: asyncpg.Connection, from_position: int = 0) -> int:
    """Let the relay try the parked events from `from_position` on again; returns how many."""
    status = await conn.execute(_UNPARK, from_position)
    return int(status.split()[-1])


async def _main(dsn: str, schema: str, from_position: int, parked: bool) -> int:
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        return await (unpark if parked else republish)(conn, from_position)
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m events.republish", description=__doc__.splitlines()[0])
    parser.add_argument("--schema", required=True, help="the service's schema, e.g. tickets")
    parser.add_argument("--from-position", type=int, default=0, help="first global position to send again")
    parser.add_argument("--unpark", action="store_true", help="send the parked events again, nothing else")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    count = asyncio.run(_main(args.database_url, args.schema, args.from_position, args.unpark))
    what = "parked events" if args.unpark else "events"
    print(f"{count} {what} of {args.schema} will be published again by its relay")


if __name__ == "__main__":
    main()
