"""The notices REST API: the caller's own notices, read and acknowledged, and notices managers send by hand; routes.

Nobody reads another person's notices: under `/me` a notice addressed to someone else does not exist (404).
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from assets import notices
from assets.api.notice_models import (
    NoticePage,
    NoticeResponse,
    SendNoticeRequest,
    SentNoticesResponse,
    notice_body,
    sent_body,
)
from assets.domain.notice import AcknowledgeNotice, IssueNotice
from events.auth import Manager, Member
from events.contracts.notices import NoticeKind
from events.envelope import Context
from events.errors import NotFound
from events.ids import uuid7
from events.web import Answer, CommandCall, Pool, answered

router = APIRouter(tags=["notices"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


@router.get("/me/notices", response_model=NoticePage)
async def my_notices(
    pool: Pool,
    principal: Member,
    unread: Annotated[bool, Query(description="only those not yet acknowledged")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The caller's notices, newest first: advisories that touched them, forced password changes, changes of their
    account's status, and notices sent by hand."""
    async with pool.acquire() as conn:
        return await notices.notices_of(conn, principal.tenant, principal.user_id, unread, limit, offset)


@router.get("/me/notices/{notice_id}", response_model=NoticeResponse)
async def my_notice(notice_id: UUID, pool: Pool, principal: Member) -> Response:
    """One of the caller's notices; `ETag` = its version, for `If-Match`."""
    async with pool.acquire() as conn:
        row = await notices.own_notice(conn, notice_id, principal.tenant, principal.user_id)
    if row is None:
        raise NotFound(f"no notice {notice_id}")
    return answered(notice_body(row), row["version"])


@router.post("/me/notices/{notice_id}/acknowledge", response_model=NoticeResponse)
async def acknowledge_notice(notice_id: UUID, principal: Member, call: CommandCall) -> Response:
    """Say the notice was read; once only (NoticeAlreadyAcknowledged), and only by the person it is addressed to."""

    async def run(conn, ctx: Context) -> Answer:
        command = AcknowledgeNotice(person_id=principal.user_id, at=ctx.recorded_at)
        notice = await notices.handle_own(conn, notice_id, command, ctx, call.if_match)
        return Answer(notice_body(notice.view), notice.version)

    return await call.run(principal, run)


@router.post("/notices", status_code=201, response_model=SentNoticesResponse)
async def send_notice(body: SendNoticeRequest, principal: Manager, call: CommandCall) -> Response:
    """Send a notice written by hand to each person named: each finds it under `/me/notices`, and gets it by mail
    when their network account has an address."""

    async def run(conn, ctx: Context) -> Answer:
        sent = []
        for person_id in body.person_ids:
            command = IssueNotice(
                notice_id=uuid7(),
                person_id=person_id,
                kind=NoticeKind.MESSAGE,
                subject=body.subject,
                body=body.body,
                at=ctx.recorded_at,
            )
            sent.append(sent_body((await notices.issue(conn, command, ctx)).view))
        # Each addressee reads theirs under /me/notices; nobody else reads them.
        return Answer({"notices": sent}, 1, location="/me/notices")

    return await call.run(principal, run)
