"""The reporting contract for BI tools: `python -m metrics.reporting install | grant-tenant TENANT | revoke-tenant`.

`install` (re)creates the `reporting` schema: one view per KPI, per MBN measure, the MBN inputs and public benchmark
set, the audit trail and the KPI definitions, each with a COMMENT saying what it holds. Every view is a security
barrier that shows the rows of the tenant mapped to the connected role only (the public benchmark set to all).
`grant-tenant` creates a read-only login role for one tenant (or refreshes it) that may read those views and
nothing else: no schema but `reporting`, no table, no write. Run `install` again after `python -m metrics.rebuild`
(the swap drops the views with the old projection; the roles' grants come back with them).

    python -m metrics.reporting [--schema reporting] install
    python -m metrics.reporting [--schema reporting] grant-tenant TENANT [--role NAME] [--new-password]
    python -m metrics.reporting [--schema reporting] revoke-tenant ROLE

`grant-tenant` prints the role's password once when it creates the role (or with --new-password); a BI tool then
connects to the metrics database as that role, and finds the views on its search path.
"""

import argparse
import asyncio
import re
import secrets
from dataclasses import dataclass

import asyncpg

from events.app import migrated_pool
from events.logging import configure_logging
from metrics.kpis import definitions
from metrics.kpis.views import View, kpi_views, literal
from metrics.main import MIGRATIONS
from metrics.mbn.definitions import DEFINITIONS as MBN_DEFINITIONS
from metrics.mbn.domain import PUBLIC_TENANT
from metrics.projections import PROJECTION_MIGRATIONS
from metrics.settings import Settings

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
INTERNAL_COMMENT = "tickets.comment_added"


@dataclass(frozen=True)
class Schemas:
    reporting: str  # the views
    projection: str  # the projector's read models
    service: str  # the metrics service's own tables (MBN)

    @property
    def access(self) -> str:
        """Which role reads which tenant: beside the views, readable by none of the roles."""
        return f"{self.reporting}_access"


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tenant_filter(schemas: Schemas, alias: str) -> str:
    return (f"{alias}.tenant = (SELECT a.tenant FROM {quoted(schemas.access)}.tenant_roles a"
            " WHERE a.role_name = current_user)")  # fmt: skip


def _audit_view(schemas: Schemas) -> View:
    # An internal comment keeps its facts but not its words: the requester never sees them, nor does a BI tool.
    internal = f"h.event_type = {literal(INTERNAL_COMMENT)} AND h.payload->>'visibility' = 'internal'"
    return View(
        "audit_trail",
        "SELECT h.tenant, h.event_id, h.entity_id, h.stream_version, h.event_type, h.schema_version, h.source,"
        " h.actor, h.occurred_at, h.recorded_at, h.correlation_id, h.causation_id,"
        f" CASE WHEN {internal} THEN h.payload - 'body' ELSE h.payload END AS payload,"
        f" CASE WHEN {internal} THEN ARRAY['body'] ELSE ARRAY[]::text[] END AS withheld"
        f" FROM {{projection}}.audit_history h WHERE {_tenant_filter(schemas, 'h')}",
        "The audit trail: one row per event of every service (who, what, when - occurred_at the business time,"
        " recorded_at when the suite learned it - on which entity, with the payload). An internal comment's body"
        " is withheld (named in `withheld`).",
    )  # fmt: skip


def _mbn_views(schemas: Schemas) -> list[View]:
    mine = _tenant_filter(schemas, "r")
    columns = "r.tenant, r.fiscal_year, r.measure, r.figures, r.definition, r.value, r.ratio, r.numerator," \
              " r.denominator, r.sources, r.flags, r.computed_at"  # fmt: skip
    measures = dict.fromkeys(d.measure for d in MBN_DEFINITIONS if d.kind != "input")
    views = [
        View(f"mbn_{measure.lower()}", f"SELECT {columns} FROM {{service}}.mbn_results r WHERE r.measure ="
             f" {literal(measure)} AND {mine}", f"MBNCanada {measure} for the tenant, per fiscal year: 'current' as"
             " the inputs stand, 'frozen' as submitted at the year's close (a current row that differs is a"
             " restatement); `definition` names the version that computed it, `sources` what it counted.")
        for measure in measures
    ]  # fmt: skip
    inputs = View(
        "mbn_inputs",
        "SELECT r.tenant, r.fiscal_year, r.input_id, r.value, r.source, r.document, r.note,"
        f" r.recorded_at, r.recorded_by, r.after_close AS restatement FROM {{service}}.mbn_inputs r"
        f" WHERE {mine}",
        "The MBN reference inputs the tenant's managers recorded (population, FTE, IT"
        " costs...), each as it stands, with its provenance; `restatement`: recorded after the close.",
    )
    public = View(
        "mbn_benchmark",
        "SELECT r.fiscal_year, r.municipality, r.tier, r.measure, r.definition, r.value,"
        " r.numerator, r.denominator, r.reported_numerator, r.reported_denominator, r.flags FROM"
        f" {{service}}.mbn_benchmark r WHERE r.tenant = {literal(PUBLIC_TENANT)}",
        "The public MBNCanada"
        " benchmark set (every tenant reads it): each municipality's measures as the engine computes them"
        " from its submitted figures, beside the figures reported with them.",
    )
    return [*views, inputs, public]  # fmt: skip


def _definitions_view() -> View:
    rows = ", ".join(
        f"({literal(k.id)}, {k.version}, {literal(k.key)}, {literal(k.name)}, {literal(k.text)},"
        f" {literal(k.computed)}, {literal(k.unit)}, {literal(k.measure)}, {str(k.current).lower()})"
        for k in definitions.DEFINITIONS
    )
    return View("kpi_definitions", f"SELECT * FROM (VALUES {rows}) AS d(id, version, definition, name, text, computed,"
                " unit, measure, current)", "The KPI definitions: every version, what it means, how it is computed"
                " and its unit; `current` is the version the REST API answers by default.")  # fmt: skip


async def _has_mbn_tables(conn: asyncpg.Connection, schemas: Schemas) -> bool:
    return await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{quoted(schemas.service)}.mbn_results")


async def install(conn: asyncpg.Connection, schemas: Schemas) -> list[str]:
    """(Re)create every view in one transaction, and give the mapped roles their grants back; returns the views."""
    views = [*kpi_views(), _audit_view(schemas), _definitions_view()]
    async with conn.transaction():
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted(schemas.access)}")
        await conn.execute(f"REVOKE ALL ON SCHEMA {quoted(schemas.access)} FROM PUBLIC")
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {quoted(schemas.access)}.tenant_roles (role_name text"
            " PRIMARY KEY, tenant text NOT NULL, granted_at timestamptz NOT NULL DEFAULT now())"
        )
        if await _has_mbn_tables(conn, schemas):
            views += _mbn_views(schemas)
        await conn.execute(f"DROP SCHEMA IF EXISTS {quoted(schemas.reporting)} CASCADE")
        await conn.execute(f"CREATE SCHEMA {quoted(schemas.reporting)}")
        for view in views:
            await _create(conn, schemas, view)
        mapped = f"SELECT role_name FROM {quoted(schemas.access)}.tenant_roles JOIN pg_roles ON rolname = role_name"
        for role in await conn.fetch(mapped):  # a role dropped by hand since is left out
            await _grant(conn, schemas, role["role_name"])
    return [view.name for view in views]


async def _create(conn: asyncpg.Connection, schemas: Schemas, view: View) -> None:
    name = f"{quoted(schemas.reporting)}.{quoted(view.name)}"
    places = {"{projection}": quoted(schemas.projection), "{service}": quoted(schemas.service),
              "{mine}": _tenant_filter(schemas, "k"), "{mine_s}": _tenant_filter(schemas, "s")}  # fmt: skip
    sql = view.sql
    for place, text in places.items():
        sql = sql.replace(place, text)
    await conn.execute(f"CREATE VIEW {name} WITH (security_barrier) AS {sql}")
    await conn.execute(f"COMMENT ON VIEW {name} IS {literal(view.comment)}")


async def _grant(conn: asyncpg.Connection, schemas: Schemas, role: str) -> None:
    await conn.execute(f"GRANT USAGE ON SCHEMA {quoted(schemas.reporting)} TO {quoted(role)}")
    await conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {quoted(schemas.reporting)} TO {quoted(role)}")


async def grant_tenant(
    conn: asyncpg.Connection, schemas: Schemas, tenant: str, role: str, password: str | None
) -> None:
    """Map the role to the tenant, creating it (with `password`) if new, and let it read the views only."""
    async with conn.transaction():
        exists = await conn.fetchval("SELECT true FROM pg_roles WHERE rolname = $1", role)
        if not exists:
            await conn.execute(
                await conn.fetchval(
                    "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"
                    " NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 10', $1::text, $2::text)",
                    role,
                    password,
                )
            )
        elif password is not None:
            await conn.execute(
                await conn.fetchval("SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text)", role, password)
            )
        await conn.execute(f"ALTER ROLE {quoted(role)} SET default_transaction_read_only = on")
        await conn.execute(f"ALTER ROLE {quoted(role)} SET search_path = {quoted(schemas.reporting)}")
        await conn.execute(
            f"INSERT INTO {quoted(schemas.access)}.tenant_roles (role_name, tenant) VALUES ($1, $2)"
            " ON CONFLICT (role_name) DO UPDATE SET tenant = excluded.tenant, granted_at = now()",
            role,
            tenant,
        )
        await _grant(conn, schemas, role)  # fmt: skip


async def revoke_tenant(conn: asyncpg.Connection, schemas: Schemas, role: str) -> bool:
    """Forget the role's mapping and drop it; False if no such role was granted."""
    async with conn.transaction():
        mapped = await conn.fetchval(f"DELETE FROM {quoted(schemas.access)}.tenant_roles WHERE role_name = $1"
                                     " RETURNING true", role)  # fmt: skip
        if mapped and await conn.fetchval("SELECT true FROM pg_roles WHERE rolname = $1", role):
            await conn.execute(f"DROP OWNED BY {quoted(role)}")  # its grants, in this database
            await conn.execute(f"DROP ROLE {quoted(role)}")
    return bool(mapped)


def command_line() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics.reporting", description=__doc__.splitlines()[0],
                                     epilog="Settings come from the environment (DATABASE_URL, DB_SCHEMA,"
                                            " PROJECTION_SCHEMA).")  # fmt: skip
    parser.add_argument("--schema", help="the schema of the views (default: REPORTING_SCHEMA, else reporting)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install", help="(re)create the views; run again after a rebuild of the projection")
    grant = commands.add_parser("grant-tenant", help="a read-only login role for one tenant's rows")
    grant.add_argument("tenant", help="the tenant, as in the tokens' `tenant` claim")
    grant.add_argument("--role", help="the role's name (default: reporting_ and the tenant in lower case)")
    grant.add_argument("--new-password", action="store_true", help="give an existing role a new password")
    revoke = commands.add_parser("revoke-tenant", help="drop a tenant's reporting role")
    revoke.add_argument("role")
    return parser


def role_for(parser: argparse.ArgumentParser, tenant: str, role: str | None) -> str:
    name = role or "reporting_" + re.sub(r"[^a-z0-9_]", "_", tenant.lower())
    if not ROLE_NAME.match(name):
        parser.error(f"--role: {name!r} must be lower-case letters, digits and _ (at most 63), not a digit first")
    return name


async def _run(settings: Settings, args: argparse.Namespace, role: str | None) -> None:
    pool = await migrated_pool(settings, MIGRATIONS, {settings.projection: PROJECTION_MIGRATIONS})
    schemas = Schemas(args.schema or settings.reporting_schema, settings.projection, settings.schema)
    try:
        async with pool.acquire() as conn:
            await _command(conn, schemas, args, role)
    finally:
        await pool.close()


async def _command(conn: asyncpg.Connection, schemas: Schemas, args: argparse.Namespace, role: str | None) -> None:
    if args.command == "install":
        print(f"installed {len(await install(conn, schemas))} views in {schemas.reporting}")
    elif args.command == "grant-tenant":
        await install(conn, schemas)
        new = not await conn.fetchval("SELECT true FROM pg_roles WHERE rolname = $1", role) or args.new_password
        password = secrets.token_urlsafe(24) if new else None
        await grant_tenant(conn, schemas, args.tenant, role, password)
        print(f"role {role} reads tenant {args.tenant!r} through schema {schemas.reporting}")
        if password:
            print(f"password: {password}")  # shown once; the database keeps only its hash
    elif not await revoke_tenant(conn, schemas, args.role):
        raise SystemExit(f"no reporting role {args.role!r} was granted")


def main(argv: list[str] | None = None) -> None:
    parser = command_line()
    args = parser.parse_args(argv)
    role = role_for(parser, args.tenant, args.role) if args.command == "grant-tenant" else None
    settings = Settings()
    configure_logging("metrics.reporting", settings.log_level, as_json=settings.log_json)
    asyncio.run(_run(settings, args, role))


if __name__ == "__main__":
    main()
