"""Software events the assets service publishes on `assets.events`: titles, licences and their seats on devices."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event

Name = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=5_000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Seats = Annotated[int, Field(gt=0, le=1_000_000)]


class LicenceType(StrEnum):
    PERPETUAL = "perpetual"  # bought once, never lapses
    SUBSCRIPTION = "subscription"  # paid per term: it lapses on its expiry date unless renewed
    SITE = "site"  # one agreement for a site or the whole city, still counted in seats
    VOLUME = "volume"  # a pool of seats under one agreement
    OEM = "oem"  # came with the hardware


class LicencePurchase(BaseModel):
    """What the licence (or its renewal) cost, from whom, on which order: in the tenant's currency, exact."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cost: Money
    purchased_on: date | None = None
    supplier: Name = ""
    order_number: Name = ""


class SoftwareTitleAdded(Event):
    """A piece of software the city keeps track of: one version of one product."""

    event_type: ClassVar[str] = "assets.software_title_added"

    at: datetime
    title_id: UUID
    name: Name
    publisher: Name = ""
    version: Name = ""
    category: Name = ""


class LicenceAcquired(Event):
    """The city acquired the right to run a title on `seats` devices, until `expires_on` (inclusive) if it lapses.

    `key_reference` says where the licence key is kept (a vault entry, a portal): never the key itself.
    """

    event_type: ClassVar[str] = "assets.licence_acquired"

    at: datetime
    licence_id: UUID
    title_id: UUID
    licence_type: LicenceType
    seats: Seats
    expires_on: date | None = None
    purchase: LicencePurchase | None = None
    key_reference: Name = ""


class LicenceRenewed(Event):
    """The licence's term was extended to a new expiry date, with the seats owned from then on."""

    event_type: ClassVar[str] = "assets.licence_renewed"

    at: datetime
    licence_id: UUID
    expires_on: date
    seats: Seats
    purchase: LicencePurchase | None = None


class SoftwareInstalled(Event):
    """The title was installed on a device under the licence: one of the licence's seats is the device's."""

    event_type: ClassVar[str] = "assets.software_installed"

    at: datetime
    licence_id: UUID
    title_id: UUID
    device_id: UUID
    technician_id: Name


class SoftwareUninstalled(Event):
    """The title was removed from the device (or the device left): the licence's seat is free again."""

    event_type: ClassVar[str] = "assets.software_uninstalled"

    at: datetime
    licence_id: UUID
    title_id: UUID
    device_id: UUID
    reason: Note = ""
