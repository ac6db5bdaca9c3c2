"""Import devices from a CSV file, with a progress bar: `python -m assets.import_devices FILE.csv --tenant T`.

The file's columns are `POST /devices/import`'s (see assets.importing); no body limit applies here.
"""

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path
from uuid import uuid4

from tqdm import tqdm

from assets import importing
from assets.main import MIGRATIONS
from assets.settings import Settings
from events import store
from events.app import migrated_pool
from events.envelope import Context
from events.errors import Refused
from events.logging import configure_logging

IMPORTED, NOTHING_IMPORTED, USAGE = 0, 1, 2

_EPILOG = """Columns (a header row first; only asset_tag is required): asset_tag, kind, holds_storage, serial,
manufacturer, model, purchased_on, cost, supplier, order_number, warranty_ends_on, useful_life_months,
salvage_value, amortization_method, declining_rate, location, department, mbn_class_override, override_reason,
on_order, registered_at. A new tag registers a device, a known one records what changed; the same file twice
changes nothing. The database comes from DATABASE_URL and DB_SCHEMA (default: assets), the tenant from --tenant
or TENANT. Exit status: 0 imported (with --good-rows-only, refused rows are listed on stderr), 1 nothing imported
(refused rows, or a file that cannot be read), 2 wrong arguments."""


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m assets.import_devices", description=__doc__.splitlines()[0],
                                     epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, metavar="FILE.csv", help="the devices, UTF-8 CSV with a header row")
    parser.add_argument("--tenant", default=os.environ.get("TENANT"), help="the city whose inventory this is")
    parser.add_argument("--actor", default=f"import:{_user()}", help="who the events name as their actor")
    parser.add_argument("--good-rows-only", action="store_true", help="import the good rows of a file with bad ones")
    parser.add_argument("--database-url", help="instead of DATABASE_URL")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)
    if not args.tenant:
        parser.error("--tenant (or TENANT) names the city whose inventory this is")
    return args


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a name
        return "cli"


async def run(raw: bytes, tenant: str, actor: str, settings: Settings, *, good_rows_only: bool = False,
              show_progress: bool = True) -> importing.Report:
    """Parse, plan and apply the file in one transaction; the bar advances as rows are applied."""
    rows, unread = importing.parse(importing.decode(raw))
    store.limit_event_size(settings.event_max_bytes)
    pool = await migrated_pool(settings, MIGRATIONS)
    ctx = Context(tenant=tenant, actor=actor, correlation_id=f"import-{uuid4().hex}")
    try:
        with tqdm(total=len(rows), desc="importing", unit="row", disable=not show_progress, file=sys.stderr) as bar:
            async with pool.acquire() as conn:
                return await importing.import_rows(conn, rows, unread, ctx, good_rows_only=good_rows_only,
                                                   progress=bar.update)
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    overrides = {"database_url": args.database_url} if args.database_url else {}
    settings = Settings(db_pool_size=2, **overrides)
    configure_logging("assets.import_devices", "warning", as_json=settings.log_json)
    try:
        raw = args.file.read_bytes()
    except OSError as error:
        print(f"{args.file}: {error.strerror or error}", file=sys.stderr)
        return NOTHING_IMPORTED
    try:
        report = asyncio.run(run(raw, args.tenant, args.actor, settings, good_rows_only=args.good_rows_only,
                                 show_progress=not args.no_progress))
    except importing.UnreadableFile as error:
        _list(error.refusals)
        print("nothing imported: the file cannot be read", file=sys.stderr)
        return NOTHING_IMPORTED
    except Refused as error:  # a rule the whole file meets, e.g. a tag another import took meanwhile
        print(f"nothing imported: {error} ({type(error).__name__})", file=sys.stderr)
        return NOTHING_IMPORTED
    _list(report.refusals)
    counts = ", ".join(f"{count} {what}" for what, count in report.counts().items())
    if not report.imported:
        print(f"nothing imported ({counts}): fix the refused rows, or pass --good-rows-only", file=sys.stderr)
        return NOTHING_IMPORTED
    print(f"imported into {args.tenant}: {counts}")
    return IMPORTED


def _list(refusals: list[importing.Refusal]) -> None:
    for r in refusals:
        print(f"line {r.line}, {r.field}: {r.message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
