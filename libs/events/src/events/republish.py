"""Re-filling a topic from its event store: mark events unpublished so the relay sends them again.

`python -m events.republish --schema tickets [--from-position N]`, with DATABASE_URL set. Consumers
deduplicate by event id, so republishing what they already have changes nothing; a consumer that lost
its history (a new projection, a broker that forgot its topics) gets all of it, in stream order.
"""

import argparse
import asyncio
import os

import asyncpg

_REPUBLISH = """
UPDATE events SET published_at = NULL
WHERE global_position >= $1 AND published_at IS NOT NULL
"""


async def republish(conn: asyncpg.Connection, from_position: int = 0) -> int:
    """Mark every event from `from_position` on for publishing again; returns how many."""
    status = await conn.execute(_REPUBLISH, from_position)
    return int(status.split()[-1])


async def _main(dsn: str, schema: str, from_position: int) -> int:
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        return await republish(conn, from_position)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m events.republish", description=__doc__.splitlines()[0])
    parser.add_argument("--schema", required=True, help="the service's schema, e.g. tickets")
    parser.add_argument("--from-position", type=int, default=0, help="first global position to send again")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    count = asyncio.run(_main(args.database_url, args.schema, args.from_position))
    print(f"{count} events of {args.schema} will be published again by its relay")


if __name__ == "__main__":
    main()
