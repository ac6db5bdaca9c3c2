"""Request and response bodies of the vendor contracts API, bounded so that bad input is refused by name."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from events.contracts.purchasing import MAX_COVERED, MAX_PAYMENTS, ContractType, ScheduledPayment
from events.fields import Body, Day, Note, Short, UserId

Label = Annotated[str, Field(max_length=200)]


def cents(amount: Decimal) -> Decimal:
    """Money as the books show it, to the cent: 12600 is 12600.00."""
    return amount.quantize(CENT)


CENT = Decimal("0.01")
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2), AfterValidator(cents)]
NoticeDays = Annotated[int, Field(ge=0, le=3_650, description="how many days before the term's end the owner is told")]


def _once_each(ids: list[UUID]) -> list[UUID]:
    if len(set(ids)) != len(ids):
        raise ValueError("names the same id twice")
    return ids


Covered = Annotated[list[UUID], Field(max_length=MAX_COVERED), AfterValidator(_once_each)]


class PaymentRequest(Body):
    due_on: Day
    amount: Money

    def contract(self) -> ScheduledPayment:
        return ScheduledPayment(**self.model_dump())


Payments = Annotated[
    list[PaymentRequest],
    Field(
        max_length=MAX_PAYMENTS,
        description=("the term's payments, each due within it; when given, they sum to the value"),
    ),
]


class RecordContractRequest(Body):
    contract_type: ContractType
    vendor: Short
    reference: Label = ""
    description: Annotated[str, Field(max_length=5_000)] = ""
    starts_on: Day
    ends_on: Day = Field(description="the term's last day in force")
    value: Money = Field(description="the term's whole value, in the tenant's currency")
    payments: Payments = []
    renewal_notice_days: NoticeDays = 90
    device_ids: Covered = Field(default=[], description="devices the contract covers (maintenance, leasing)")
    licence_ids: Covered = Field(default=[], description="licences the contract covers (support, subscription)")
    owner_id: UserId | None = Field(default=None, description="who is told of its renewal; the caller by default")


class RenewContractRequest(Body):
    ends_on: Day = Field(description="the new term's last day; after the current term's")
    value: Money = Field(description="the new term's value")
    starts_on: Day | None = Field(default=None, description="the day after the current term ends, by default")
    payments: Payments = []
    renewal_notice_days: NoticeDays | None = Field(default=None, description="the current period by default")


class TerminateContractRequest(Body):
    reason: Note
    effective_on: Day | None = Field(default=None, description="its last day in force: today by default")


class TermResponse(BaseModel):
    term: int
    starts_on: date
    ends_on: date
    value: Decimal
    payments: list[ScheduledPayment]


class ContractResponse(BaseModel):
    id: UUID
    contract_type: ContractType
    vendor: str
    reference: str
    description: str
    owner_id: str
    status: Literal["active", "ended", "terminated"]
    term: int = Field(description="the current term, counted from 1")
    starts_on: date
    ends_on: date
    value: Decimal
    payments: list[ScheduledPayment]
    renewal_notice_days: int
    notice_on: date = Field(description="when the renewal notice period of the current term begins")
    renewal_notice_issued: bool = Field(description="the owner was told of the current term's renewal")
    terminated_on: date | None
    termination_reason: str
    device_ids: list[UUID]
    licence_ids: list[UUID]
    terms: list[TermResponse]
    recorded_at: datetime
    updated_at: datetime
    version: int


class ContractPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ContractResponse]


def contract_body(row) -> dict:
    return ContractResponse(**row).model_dump(mode="json")
