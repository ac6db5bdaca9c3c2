"""Work-order and preventive-maintenance events the tickets service publishes on `tickets.events`."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event, stamped_at

Minutes = Annotated[int, Field(gt=0, le=100_000)]


class StampedSinceV2(Event):
    """Work-order and preventive events carry their business time `at` since v2; a v1 payload takes the
    envelope's time, which was the event's until then."""

    schema_version: ClassVar[int] = 2
    upcasters: ClassVar = {1: stamped_at}

    at: datetime


class WorkOrderKind(StrEnum):
    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"


class PartUsed(BaseModel):
    """One line of parts: what, how many, and (when known) the cost of one, in the tenant's currency."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    part: str = Field(min_length=1, max_length=200)
    quantity: int = Field(gt=0, le=10_000)
    unit_cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class WorkOrderCreated(StampedSinceV2):
    event_type: ClassVar[str] = "tickets.work_order_created"

    work_order_id: UUID
    title: str
    description: str
    kind: WorkOrderKind
    ticket_id: UUID | None = None
    device_id: UUID | None = None
    schedule_id: UUID | None = None
    occurrence: date | None = None  # the preventive schedule's due date this order fulfils


class WorkOrderScheduled(StampedSinceV2):
    event_type: ClassVar[str] = "tickets.work_order_scheduled"

    work_order_id: UUID
    technician_id: str
    scheduled_for: datetime


class WorkOrderStarted(StampedSinceV2):
    event_type: ClassVar[str] = "tickets.work_order_started"

    work_order_id: UUID
    technician_id: str


class WorkTimeLogged(StampedSinceV2):
    event_type: ClassVar[str] = "tickets.work_time_logged"

    work_order_id: UUID
    technician_id: str
    minutes: Minutes
    note: str = ""


class PartsUsed(StampedSinceV2):
    event_type: ClassVar[str] = "tickets.parts_used"

    work_order_id: UUID
    technician_id: str
    parts: tuple[PartUsed, ...] = Field(min_length=1)


class WorkOrderCompleted(StampedSinceV2):
    event_type: ClassVar[str] = "tickets.work_order_completed"

    work_order_id: UUID
    summary: str


class WorkOrderCancelled(StampedSinceV2):
    event_type: ClassVar[str] = "tickets.work_order_cancelled"

    work_order_id: UUID
    reason: str


class RepairLogged(StampedSinceV2):
    """A repair on a device, for the device's history (assets) and repair KPIs (metrics)."""

    event_type: ClassVar[str] = "tickets.repair_logged"

    repair_id: UUID
    device_id: UUID
    ticket_id: UUID | None
    work_order_id: UUID
    technician_id: str
    fault: str
    action: str
    parts: tuple[PartUsed, ...] = ()
    minutes: int = Field(ge=0, le=100_000)


class PreventiveScheduleCreated(StampedSinceV2):
    """Recurring work: every `every_days` days from `starts_on`, or monthly on `day_of_month` (never both)."""

    event_type: ClassVar[str] = "tickets.preventive_schedule_created"

    schedule_id: UUID
    title: str
    description: str
    device_id: UUID | None = None
    every_days: int | None = Field(default=None, gt=0, le=3660)
    day_of_month: int | None = Field(default=None, ge=1, le=31)
    starts_on: date
    assignee_id: str | None = None


class PreventiveWorkOrderRaised(StampedSinceV2):
    event_type: ClassVar[str] = "tickets.preventive_work_order_raised"

    schedule_id: UUID
    occurrence: date
    work_order_id: UUID


class PreventiveScheduleRetired(StampedSinceV2):
    event_type: ClassVar[str] = "tickets.preventive_schedule_retired"

    schedule_id: UUID
    reason: str = ""
