"""Notices that events call for (consumer group `assets.notices` over `assets.events`): a change of a person's
account status, a password reset that forces a change, and an advisory's exposure each tell every person touched.

A cause tells a person once: the notice's id is derived from the cause and the person, so a redelivered event
(a republished store, a rebalance) finds the notice issued and adds nothing. An advisory tells a person once,
however often its exposure is assessed again.
"""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import asyncpg
import structlog

from assets import notices
from assets.domain.notice import IssueNotice, NoticeAlreadyIssued, notice_id_for
from events import store
from events.contracts.accounts import (
    AccountDeprovisioned,
    AccountDisabled,
    AccountEnabled,
    AccountLocked,
    AccountUnlocked,
    PasswordResetCompleted,
)
from events.contracts.notices import NoticeKind
from events.contracts.security import AdvisoryExposureAssessed
from events.envelope import Context, Envelope
from events.projection import Projection

log = structlog.get_logger()

GROUP = "assets.notices"
REASON_SHOWN = 1_000  # of a reason, in a notice's body: the body has a bound, the reason a larger one
CALL_THE_DESK = "If anything here is unexpected, call the service desk."

projection = Projection()


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _reason(event) -> str:
    return f" Reason given: {event.reason[:REASON_SHOWN]}." if getattr(event, "reason", "") else ""


# Per status change: the notice's subject (also the body's first words) and what it means for the person.
ACCOUNT_WORDING: dict[type, tuple[str, str]] = {
    AccountDisabled: (
        "Your network account was disabled",
        "You cannot sign in with it until the service desk enables it again.",
    ),
    AccountEnabled: ("Your network account was enabled", "You can sign in with it again."),
    AccountLocked: (
        "Your network account was locked",
        "The service desk unlocks it once it has checked who is asking. If you did not try to sign in yourself,"
        " tell the desk: someone else may have.",
    ),
    AccountUnlocked: ("Your network account was unlocked", "You can sign in with it again."),
    AccountDeprovisioned: ("Your network account was closed", "It is closed for good."),
}


@projection.on(*ACCOUNT_WORDING)
async def account_status_changed(conn: asyncpg.Connection, event, envelope: Envelope) -> None:
    subject, meaning = ACCOUNT_WORDING[type(event)]
    body = f"{subject} on {_when(event.at)}.{_reason(event)} {meaning} {CALL_THE_DESK}"
    await tell(conn, envelope, [event.person_id], NoticeKind.ACCOUNT_STATUS, subject, body, event.at)


@projection.on(PasswordResetCompleted)
async def password_reset(conn: asyncpg.Connection, reset: PasswordResetCompleted, envelope: Envelope) -> None:
    if not reset.force_change:
        return
    body = (
        f"The service desk reset your network password on {_when(reset.at)}. You must choose a new password"
        " the next time you sign in. Nobody from IT will ever ask you for your password. If you did not ask"
        " for this reset, call the service desk at once."
    )
    await tell(
        conn,
        envelope,
        [reset.person_id],
        NoticeKind.PASSWORD_CHANGE,
        "Choose a new password at your next sign-in",
        body,
        reset.at,
    )


@projection.on(AdvisoryExposureAssessed)
async def advisory_exposure(conn: asyncpg.Connection, exposure: AdvisoryExposureAssessed, envelope: Envelope) -> None:
    until = _when(exposure.window_end) if exposure.window_end else "now"
    body = (
        f'A security advisory of {exposure.severity} severity, "{exposure.title}", concerns a device or an'
        f" account of yours, exposed from {_when(exposure.window_start)} to {until}. The IT department is"
        " dealing with it: follow what the service desk asks of you, and report anything unusual on your"
        " devices or accounts."
    )
    await tell(
        conn,
        envelope,
        exposure.people,
        NoticeKind.ADVISORY,
        f"Security advisory: {exposure.title}"[:200],
        body,
        exposure.at,
        key=exposure.advisory_id,
    )


async def tell(
    conn: asyncpg.Connection,
    envelope: Envelope,
    people: Iterable[str],
    kind: NoticeKind,
    subject: str,
    body: str,
    at: datetime,
    key: UUID | None = None,
) -> int:
    """Issue the notice to each person once per `key` (the cause event by default); returns how many are new."""
    ctx = Context(
        tenant=envelope.tenant,
        actor=envelope.actor,
        correlation_id=envelope.correlationid,
        causation_id=str(envelope.id),
    )
    issued = 0
    for person_id in dict.fromkeys(people):
        command = IssueNotice(
            notice_id=notice_id_for(ctx.tenant, key or envelope.id, person_id),
            person_id=person_id,
            kind=kind,
            subject=subject,
            body=body,
            at=at,
            cause_event_id=envelope.id,
            cause_type=envelope.type,
        )
        issued += await _issue_once(conn, command, ctx)
    return issued


async def _issue_once(conn: asyncpg.Connection, command: IssueNotice, ctx: Context) -> int:
    try:
        async with conn.transaction():  # a savepoint: a notice already there leaves the others' writes usable
            await notices.issue(conn, command, ctx)
        return 1
    except (NoticeAlreadyIssued, store.ConcurrencyError):
        log.info(
            "notice_already_issued",
            notice_id=str(command.notice_id),
            person_id=command.person_id,
            cause_event_id=str(command.cause_event_id),
        )
        return 0
