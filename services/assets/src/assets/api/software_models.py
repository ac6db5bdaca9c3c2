"""Request and response bodies of the software API: titles, licences and their seats on devices."""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from events.contracts.software import LicencePurchase, LicenceType
from events.fields import Body, Day, Instant, Short

Label = Annotated[str, Field(max_length=200)]
Seats = Annotated[int, Field(gt=0, le=1_000_000)]

# What licence keys look like (five groups of five, four of four...): a reference must say where the key is kept.
_KEY_LIKE = re.compile(r"^[A-Z0-9]{4,8}(-[A-Z0-9]{4,8}){2,}$", re.IGNORECASE)


def _not_a_key(value: str) -> str:
    if _KEY_LIKE.match(value):
        raise ValueError("looks like a licence key: record where the key is kept (a vault entry), never the key")
    return value


KeyReference = Annotated[str, Field(max_length=200), AfterValidator(_not_a_key)]


class AddSoftwareTitleRequest(Body):
    name: Short
    publisher: Label = ""
    version: Label = ""
    category: Label = ""


class PurchaseRequest(Body):
    cost: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
    purchased_on: Day | None = None
    supplier: Label = ""
    order_number: Label = ""

    def contract(self) -> LicencePurchase:
        return LicencePurchase(**self.model_dump())


class AcquireLicenceRequest(Body):
    title_id: UUID
    licence_type: LicenceType
    seats: Seats
    expires_on: Day | None = Field(default=None, description="the last day the licence is in force; none for "
                                   "perpetual, required for a subscription")
    purchase: PurchaseRequest | None = None
    key_reference: KeyReference = Field(default="", description="where the key is kept, never the key itself")


class RenewLicenceRequest(Body):
    expires_on: Day
    seats: Seats | None = Field(default=None, description="the seats owned from the renewal on; absent keeps them")
    purchase: PurchaseRequest | None = None


class InstallSoftwareRequest(Body):
    """Name the licence to take a seat of, or only the title to let the service pick its licence."""

    licence_id: UUID | None = None
    title_id: UUID | None = Field(default=None, description="without licence_id: the title's licence in force with"
                                  " a free seat that covers longest (perpetual first, then the latest expiry)")
    installed_at: Instant | None = Field(default=None, description="when it was installed, if before now")


class ReleaseSeatRequest(Body):
    reason: Annotated[str, Field(max_length=5_000)] = ""


class TitleResponse(BaseModel):
    id: UUID
    name: str
    publisher: str
    version: str
    category: str
    added_at: datetime
    licences: int
    seats_owned: int = Field(description="seats of the title's licences in force today")
    seats_used: int = Field(description="of those, the seats given to devices")
    seats_free: int
    seats_on_expired_licences: int = Field(description="devices still holding a seat of a lapsed licence")


class LicenceResponse(BaseModel):
    id: UUID
    title_id: UUID
    title: str
    publisher: str
    software_version: str
    licence_type: LicenceType
    seats: int
    seats_used: int
    seats_free: int
    expires_on: date | None
    expired: bool
    purchases: list[LicencePurchase] = Field(description="the acquisition's, then each renewal's")
    total_cost: Decimal = Field(description="the acquisition and every renewal, in the tenant's currency")
    key_reference: str
    acquired_at: datetime
    updated_at: datetime
    version: int


class InstallationResponse(BaseModel):
    device_id: UUID
    licence_id: UUID
    title_id: UUID
    title: str
    software_version: str
    licence_type: LicenceType
    expires_on: date | None
    licence_expired: bool
    installed_at: datetime
    technician_id: str


class LicenceDetail(LicenceResponse):
    installations: list[InstallationResponse]


def title_body(row) -> dict:
    return TitleResponse(**row, seats_free=row["seats_owned"] - row["seats_used"]).model_dump(mode="json")


def licence_body(row) -> dict:
    return LicenceResponse(**row, seats_free=row["seats"] - row["seats_used"]).model_dump(mode="json")


def installation_body(row) -> dict:
    return InstallationResponse(**row).model_dump(mode="json")


class InstallResponse(BaseModel):
    """The seat the device took, and the licence it came from as it stands after."""

    installation: InstallationResponse
    licence: LicenceResponse
