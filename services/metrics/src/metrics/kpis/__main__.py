"""The KPI definitions and their series from the command line: `python -m metrics.kpis list | replay ID@VERSION...`.

`replay` computes the named definitions' series anew from the facts the projector keeps (seconds, not a rebuild):
run it after adding a definition version. A change the facts cannot answer needs `python -m metrics.rebuild`.
"""

import argparse
import asyncio
import sys

from events.db import create_pool, migrate_pool
from events.logging import configure_logging
from metrics.kpis import definitions
from metrics.kpis.definitions import Kpi
from metrics.kpis.replay import replay
from metrics.projections import PROJECTION_MIGRATIONS
from metrics.settings import Settings


def command_line() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m metrics.kpis", description=__doc__.splitlines()[0],
        epilog="Settings come from the environment (DATABASE_URL, DB_SCHEMA, PROJECTION_SCHEMA, ...).",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every definition version, the current ones marked")
    again = commands.add_parser("replay", help="compute the named definitions' series anew from the facts")
    again.add_argument("definitions", nargs="*", metavar="ID@VERSION", help="e.g. desk.first-contact-resolution@2")
    again.add_argument("--all", action="store_true", help="every definition")
    return parser


def chosen(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Kpi]:
    if args.all:
        return list(definitions.DEFINITIONS)
    if not args.definitions:
        parser.error("name at least one ID@VERSION, or --all")
    unknown = [key for key in args.definitions if definitions.by_key(key) is None]
    if unknown:
        parser.error(f"no definition {', '.join(unknown)} (see `python -m metrics.kpis list`)")
    return [definitions.by_key(key) for key in args.definitions]


async def _replay(settings: Settings, kpis: list[Kpi]) -> None:
    pool = await create_pool(settings.database_url, settings.projection, min_size=1, max_size=1)
    try:
        await migrate_pool(pool, settings.projection, PROJECTION_MIGRATIONS)
        async with pool.acquire() as conn:
            for done in await replay(conn, settings.projection, kpis):
                print(f"replayed {done.kpi.key} from {done.facts} {done.kpi.facts} facts")
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> None:
    parser = command_line()
    args = parser.parse_args(argv)
    if args.command == "list":
        for kpi in definitions.DEFINITIONS:
            print(f"{kpi.key:45} {'current' if kpi.current else '':8} {kpi.name} ({kpi.unit})")
        return
    kpis = chosen(parser, args)
    settings = Settings()
    configure_logging("metrics.kpis", settings.log_level, as_json=settings.log_json)
    asyncio.run(_replay(settings, kpis))


if __name__ == "__main__":
    sys.exit(main())
