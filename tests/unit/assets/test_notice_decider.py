"""The notice decider, given / when / then: issued once, acknowledged once by its addressee alone, mailed once."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from assets.domain.notice import (
    NOTICE,
    AcknowledgeNotice,
    IssueNotice,
    NoticeAlreadyAcknowledged,
    NoticeAlreadyIssued,
    NoticeAlreadyMailed,
    RecordNoticeMailed,
    notice_id_for,
)
from events.contracts.notices import NoticeAcknowledged, NoticeIssued, NoticeKind, NoticeMailed
from events.errors import NotFound
from events.testing import given

NOTICE_ID, CAUSE = uuid4(), uuid4()
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = MONDAY + timedelta(hours=2)

ISSUE = IssueNotice(
    notice_id=NOTICE_ID,
    person_id="alice",
    kind=NoticeKind.ACCOUNT_STATUS,
    subject="Your account was locked",
    body="Call the desk.",
    at=MONDAY,
    cause_event_id=CAUSE,
    cause_type="assets.account_locked",
)
ISSUED = NoticeIssued(
    at=MONDAY,
    notice_id=NOTICE_ID,
    person_id="alice",
    kind=NoticeKind.ACCOUNT_STATUS,
    subject="Your account was locked",
    body="Call the desk.",
    cause_event_id=CAUSE,
    cause_type="assets.account_locked",
)
ACKNOWLEDGED = NoticeAcknowledged(at=LATER, notice_id=NOTICE_ID, person_id="alice")


def test_a_notice_is_issued_to_one_person_with_its_cause():
    given(NOTICE).then(ISSUE, ISSUED)


def test_a_notice_is_issued_once():
    given(NOTICE, ISSUED).refuses(ISSUE, NoticeAlreadyIssued)


def test_the_addressee_acknowledges_the_notice():
    given(NOTICE, ISSUED).then(AcknowledgeNotice(person_id="alice", at=LATER), ACKNOWLEDGED)


def test_a_notice_is_acknowledged_once():
    refusal = given(NOTICE, ISSUED, ACKNOWLEDGED).refuses(
        AcknowledgeNotice(person_id="alice", at=LATER), NoticeAlreadyAcknowledged
    )
    assert str(LATER.year) in str(refusal)  # the first acknowledgement stands, and the refusal says when it was


def test_another_person_cannot_acknowledge_a_notice_nor_learn_that_it_exists():
    given(NOTICE, ISSUED).refuses(AcknowledgeNotice(person_id="bob", at=LATER), NotFound)


def test_a_notice_that_was_never_issued_is_not_found():
    given(NOTICE).refuses(AcknowledgeNotice(person_id="alice", at=LATER), NotFound)
    given(NOTICE).refuses(RecordNoticeMailed(at=LATER), NotFound)


def test_a_notice_is_mailed_once_and_its_acknowledgement_does_not_depend_on_the_mail():
    mailed = NoticeMailed(at=LATER, notice_id=NOTICE_ID, person_id="alice")
    given(NOTICE, ISSUED).then(RecordNoticeMailed(at=LATER), mailed)
    given(NOTICE, ISSUED, mailed).refuses(RecordNoticeMailed(at=LATER), NoticeAlreadyMailed)
    given(NOTICE, ISSUED, ACKNOWLEDGED).then(RecordNoticeMailed(at=LATER), mailed)


def test_a_cause_gives_each_person_one_notice_id_in_each_tenant():
    assert notice_id_for("city-a", CAUSE, "alice") == notice_id_for("city-a", CAUSE, "alice")
    others = {
        notice_id_for("city-a", CAUSE, "bob"),
        notice_id_for("city-b", CAUSE, "alice"),
        notice_id_for("city-a", uuid4(), "alice"),
    }
    assert notice_id_for("city-a", CAUSE, "alice") not in others and len(others) == 3
