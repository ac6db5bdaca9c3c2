"""The MBN command line: `load FILE` records public benchmark data, `compare FILE` checks the engine against it."""

import argparse
import asyncio
import getpass
import sys
from pathlib import Path
from uuid import uuid4

from tqdm import tqdm

from events import store
from events.app import migrated_pool
from events.contracts.metrics import InputProvenance
from events.envelope import Context
from events.logging import configure_logging
from metrics.main import MIGRATIONS
from metrics.mbn import benchmark, longform
from metrics.mbn.compare import compare
from metrics.mbn.domain import PUBLIC_TENANT
from metrics.settings import Settings

DONE, UNREADABLE, USAGE = 0, 1, 2
SOURCE = "MBNCanada long-form open dataset"

_EPILOG = """The file has the columns of the MBNC long-form open dataset: fiscal_year, municipality, tier,
measure_number, measure_name, numerator, denominator, result (a header row first, UTF-8 or Windows-1252).
Input statistics and counts (INTN001/002/010/011, INTN800/810) are read from `result`; the computed measures
(INTN105/205/212/214/216/243/243T/250) from `numerator` and `denominator` only, never from `result`.

load     records each municipality's submission for each fiscal year in the public benchmark set that every
         tenant reads, in one transaction; the same figures again record nothing. The database comes from
         DATABASE_URL and DB_SCHEMA (default: metrics).
compare  needs no database: it computes every measure from the file's submitted figures and prints how many
         published results it reproduces, per measure, and every difference. Exit status: 0 done (differences
         or not), 1 a file that cannot be read, 2 wrong arguments."""


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a name
        return "cli"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m metrics.mbn",
        description=__doc__.splitlines()[0],
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{load,compare}")
    load = commands.add_parser("load", help="record the file's submissions in the public benchmark set")
    load.add_argument("file", type=Path, metavar="FILE.csv")
    load.add_argument("--actor", default=f"mbn-load:{_user()}", help="who the events name as their actor")
    load.add_argument("--database-url", help="instead of DATABASE_URL")
    load.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    check = commands.add_parser("compare", help="how many published results the engine reproduces")
    check.add_argument("file", type=Path, metavar="FILE.csv")
    return parser.parse_args(argv)


async def load(
    reading: longform.Reading, document: str, actor: str, settings: Settings, show_progress: bool = True
) -> int:
    """Record every submission in one transaction; the count of those that changed the set."""
    store.limit_event_size(settings.event_max_bytes)
    ctx = Context(tenant=PUBLIC_TENANT, actor=actor, correlation_id=f"mbn-load-{uuid4().hex}")
    provenance = InputProvenance(source=SOURCE, document=document[:200])
    pool = await migrated_pool(settings, MIGRATIONS)
    try:
        with tqdm(
            total=len(reading.submissions),
            desc="loading",
            unit="submission",
            disable=not show_progress,
            file=sys.stderr,
        ) as bar:
            async with pool.acquire() as conn, conn.transaction():
                recorded = 0
                for submission in reading.submissions:
                    recorded += await benchmark.load(conn, benchmark.command_for(submission, provenance, ctx), ctx)
                    bar.update()
        return recorded
    finally:
        await pool.close()


def _read(path: Path) -> tuple[str, longform.Reading]:
    text = longform.decode(path.read_bytes())
    return text, longform.read(text)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        text, reading = _read(args.file)
    except OSError as error:
        print(f"{args.file}: {error.strerror or error}", file=sys.stderr)
        return UNREADABLE
    except longform.UnreadableFile as error:
        print("\n".join(error.problems[: longform.MAX_LISTED_PROBLEMS]), file=sys.stderr)
        print(f"{args.file}: cannot be read ({len(error.problems)} problems): nothing done", file=sys.stderr)
        return UNREADABLE
    skipped = ", ".join(f"{count} of {measure or 'no measure'}" for measure, count in sorted(reading.skipped.items()))
    if args.command == "compare":
        print("\n".join(compare(text).lines()))
    else:
        overrides = {"database_url": args.database_url} if args.database_url else {}
        settings = Settings(db_pool_size=2, **overrides)
        configure_logging("metrics.mbn", "warning", as_json=settings.log_json)
        recorded = asyncio.run(load(reading, args.file.name, args.actor, settings, not args.no_progress))
        total = len(reading.submissions)
        print(
            f"loaded {args.file.name} into the public benchmark set: {recorded} submissions recorded,"
            f" {total - recorded} unchanged"
        )
    if skipped:
        print(f"rows skipped (measures without a definition): {skipped}", file=sys.stderr)
    return DONE


if __name__ == "__main__":
    sys.exit(main())
