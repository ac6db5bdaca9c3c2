"""Notices on the kit: each through `streams.handle`, the person's list row and the mail queued for it beside it,
and the periodic job that sends that mail, retrying what failed.

The address is the email of the person's network account (the `accounts` read model) when the notice is
issued; a person with none gets the notice without a mail.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import structlog

from assets.domain.notice import NOTICE, IssueNotice, Notice, RecordNoticeMailed, addressed_to
from events import jobs, mail, store, streams
from events.contracts.notices import NoticeAcknowledged, NoticeIssued, NoticeMailed
from events.db import page
from events.envelope import Context, utcnow
from events.jobs import PeriodicJob
from events.settings import ServiceSettings
from events.streams import Stream

log = structlog.get_logger()

MAILER = "system:notice-mailer"
MAIL_BATCH = 50


async def read_notice(conn: asyncpg.Connection, notice_id: UUID, tenant: str) -> Stream[Notice]:
    return await streams.read(conn, NOTICE, str(notice_id), tenant)


async def issue(conn: asyncpg.Connection, command: IssueNotice, ctx: Context) -> Stream[Notice]:
    """Issue the notice (a second time is refused: NoticeAlreadyIssued); `view` is its row, mail status included."""
    loaded = await read_notice(conn, command.notice_id, ctx.tenant)
    return await streams.handle(conn, NOTICE, str(command.notice_id), command, ctx, loaded=loaded, inline=_write_notice)


async def handle_own(
    conn: asyncpg.Connection, notice_id: UUID, command: Any, ctx: Context, if_match: int | None = None
) -> Stream[Notice]:
    """A command of the notice's addressee (the caller): another person's notice does not exist for them."""
    return await streams.handle(
        conn,
        NOTICE,
        str(notice_id),
        command,
        ctx,
        if_match=if_match,
        check=addressed_to(ctx.actor),
        inline=_write_notice,
    )


async def _write_notice(conn: asyncpg.Connection, notice: Stream[Notice], ctx: Context) -> asyncpg.Record:
    """The row of each event the command added, in the command's transaction; the row as it stands after."""
    added = notice.events[len(notice.events) - len(notice.appended) :]
    for envelope, event in zip(notice.appended, added, strict=True):
        await _WRITERS[type(event)](conn, event, envelope.recordedtime, ctx.tenant)
    await conn.execute(
        "UPDATE person_notices SET version = $2 WHERE notice_id = $1", notice.state.notice_id, notice.version
    )
    return await notice_row(conn, notice.state.notice_id, ctx.tenant)


_INSERT_NOTICE = """
INSERT INTO person_notices (notice_id, tenant, person_id, kind, subject, body, cause_event_id, cause_type, issued_at,
    recorded_at, mail_status, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)"""

_QUEUE_MAIL = """
INSERT INTO mail_outbox (notice_id, tenant, address, subject, body, queued_at, next_attempt_at)
VALUES ($1, $2, $3, $4, $5, $6, $6)"""


async def _issued(conn: asyncpg.Connection, e: NoticeIssued, recorded_at: datetime, tenant: str) -> None:
    address = await address_of(conn, tenant, e.person_id)
    await conn.execute(
        _INSERT_NOTICE,
        e.notice_id,
        tenant,
        e.person_id,
        e.kind,
        e.subject,
        e.body,
        e.cause_event_id,
        e.cause_type,
        e.at,
        recorded_at,
        "queued" if address else "none",
    )
    if address:
        await conn.execute(_QUEUE_MAIL, e.notice_id, tenant, address, e.subject, mail_body(e), recorded_at)


async def _acknowledged(conn: asyncpg.Connection, e: NoticeAcknowledged, recorded_at: datetime, tenant: str) -> None:
    await conn.execute("UPDATE person_notices SET acknowledged_at = $2 WHERE notice_id = $1", e.notice_id, e.at)


async def _mailed(conn: asyncpg.Connection, e: NoticeMailed, recorded_at: datetime, tenant: str) -> None:
    await conn.execute(
        "UPDATE person_notices SET mail_status = 'sent', mailed_at = $2 WHERE notice_id = $1", e.notice_id, e.at
    )
    await conn.execute("UPDATE mail_outbox SET sent_at = $2 WHERE notice_id = $1", e.notice_id, e.at)


_WRITERS: dict[type, Callable[..., Awaitable[None]]] = {
    NoticeIssued: _issued,
    NoticeAcknowledged: _acknowledged,
    NoticeMailed: _mailed,
}


async def address_of(conn: asyncpg.Connection, tenant: str, person_id: str) -> str | None:
    """The email of the person's account, if the accounts read model exists and holds one."""
    if await conn.fetchval("SELECT to_regclass('accounts')") is None:
        return None
    return await conn.fetchval(_ADDRESS, tenant, person_id)


# An account still in use before one deprovisioned, the latest provisioned first: where the person reads mail now.
_ADDRESS = """
SELECT email FROM accounts WHERE tenant = $1 AND person_id = $2 AND coalesce(email, '') <> ''
ORDER BY status = 'deprovisioned', provisioned_at DESC, account_id LIMIT 1"""


def mail_body(e: NoticeIssued) -> str:
    return (
        f"{e.body}\n\n-- \nIT service desk, notice {e.notice_id}.\n"
        "Please acknowledge it in the self-service pages (your notices), or call the desk if anything is unclear."
    )


# ------------------------------------------------------------------------------------------------- queries

_COLUMNS = (
    "notice_id AS id, person_id, kind, subject, body, cause_event_id, cause_type, issued_at,"
    " acknowledged_at, mail_status, mailed_at, version"
)


async def notice_row(conn: asyncpg.Connection, notice_id: UUID, tenant: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM person_notices WHERE notice_id = $1 AND tenant = $2", notice_id, tenant
    )


async def own_notice(conn: asyncpg.Connection, notice_id: UUID, tenant: str, person_id: str) -> asyncpg.Record | None:
    row = await notice_row(conn, notice_id, tenant)
    return row if row is not None and row["person_id"] == person_id else None


async def notices_of(
    conn: asyncpg.Connection, tenant: str, person_id: str, unread: bool, limit: int, offset: int
) -> dict[str, Any]:
    """The person's notices newest first (only those not yet acknowledged if `unread`), and how many are unread."""
    source = "FROM person_notices WHERE tenant = $1 AND person_id = $2 AND (NOT $3::bool OR acknowledged_at IS NULL)"
    found = await page(
        conn, _COLUMNS, source, "issued_at DESC, notice_id DESC", [tenant, person_id, unread], limit, offset
    )
    unread_count = await conn.fetchval(
        "SELECT count(*) FROM person_notices WHERE tenant = $1 AND person_id = $2 AND acknowledged_at IS NULL",
        tenant,
        person_id,
    )
    return {**found, "unread": unread_count}


# ------------------------------------------------------------------------------------------------- mail

_MAIL_DUE = """
SELECT notice_id FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= $1
ORDER BY next_attempt_at, notice_id LIMIT $2"""
# Re-checked under the lock: another replica may have sent it since it was listed.
_CLAIM_MAIL = "SELECT 1 FROM mail_outbox WHERE notice_id = $1 AND sent_at IS NULL FOR UPDATE SKIP LOCKED"


def mail_jobs(settings: ServiceSettings) -> list[PeriodicJob]:
    """The pass that sends queued mail; none without a mail server (mail then waits in the outbox)."""
    if not mail.mail_enabled(settings):
        return []
    return [PeriodicJob("notice-mail", settings.mail_scan_seconds, lambda pool: send_due_mail(pool, settings))]


async def send_due_mail(pool: asyncpg.Pool, settings: ServiceSettings, now: datetime | None = None) -> int:
    """Send every queued mail whose time has come, each under its own row lock; returns how many were sent."""
    now = now or utcnow()
    correlation = f"notice-mail-{uuid4().hex[:12]}"

    async def work(conn: asyncpg.Connection, row: asyncpg.Record) -> int:
        return await _send_one(conn, settings, row["notice_id"], now, correlation)

    sent = await jobs.claim_each(pool, "notice-mail", _MAIL_DUE, (now, MAIL_BATCH), _CLAIM_MAIL, work)
    if sent:
        log.info("notice_mail_sent", count=sent, correlation_id=correlation)
    return sent


async def _send_one(
    conn: asyncpg.Connection, settings: ServiceSettings, notice_id: UUID, now: datetime, correlation: str
) -> int:
    row = await conn.fetchrow(
        "SELECT tenant, address, subject, body, attempts FROM mail_outbox WHERE notice_id = $1", notice_id
    )
    try:
        await mail.send(settings, mail.Mail(row["address"], row["subject"], row["body"], reference=str(notice_id)))
    except Exception as error:  # refused, unreachable, or a message that cannot be built: all wait and retry
        await _postpone(conn, notice_id, row["attempts"] + 1, now, error)
        return 0
    await conn.execute("UPDATE mail_outbox SET attempts = attempts + 1 WHERE notice_id = $1", notice_id)
    await _record_mailed(conn, notice_id, Context(row["tenant"], MAILER, correlation, recorded_at=now))
    return 1


async def _postpone(conn: asyncpg.Connection, notice_id: UUID, attempts: int, now: datetime, error: Exception) -> None:
    """Kept for a later pass, never dropped: each failure waits longer, up to an hour."""
    delay = mail.retry_delay(attempts)
    await conn.execute(
        "UPDATE mail_outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE notice_id = $1",
        notice_id,
        attempts,
        now + timedelta(seconds=delay),
        repr(error)[:2000],
    )
    log.warning("notice_mail_failed", notice_id=str(notice_id), attempts=attempts, retry_in=delay, error=repr(error))


async def _record_mailed(conn: asyncpg.Connection, notice_id: UUID, ctx: Context, tries: int = 3) -> None:
    """The mail left: say so on the notice's stream. An acknowledgement appended meanwhile makes the append clash:
    it is decided again on the new version, so the sent mail is never left unrecorded (and sent twice)."""
    for attempt in range(1, tries + 1):
        try:
            async with conn.transaction():  # a savepoint: a clash leaves the claim's transaction usable
                await streams.handle(
                    conn, NOTICE, str(notice_id), RecordNoticeMailed(at=ctx.recorded_at), ctx, inline=_write_notice
                )
            return
        except store.ConcurrencyError:
            if attempt == tries:
                raise
