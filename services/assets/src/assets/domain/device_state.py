"""A device's state as its events tell it: where it is in its life, where, with whom, and how the MBN counts it."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from events.contracts.assets import Amortization, DeviceKind, MbnClass, Purchase


class Status(StrEnum):
    NONE = "none"
    ON_ORDER = "on_order"
    IN_STOCK = "in_stock"
    DEPLOYED = "deployed"
    IN_REPAIR = "in_repair"
    RETIRED = "retired"  # awaiting disposal
    DISPOSED = "disposed"
    LOST = "lost"
    STOLEN = "stolen"


GONE = frozenset({Status.DISPOSED, Status.LOST, Status.STOLEN})
# MBN's "entire inventory as at the close of the fiscal year": what the city owns and still has.
OWNED = frozenset({Status.IN_STOCK, Status.DEPLOYED, Status.IN_REPAIR, Status.RETIRED})

MBN_CLASS_OF_KIND = {
    DeviceKind.LAPTOP: MbnClass.LAPTOPS_TABLETS,
    DeviceKind.TABLET: MbnClass.LAPTOPS_TABLETS,
    DeviceKind.DESKTOP: MbnClass.DESKTOPS_THIN_CLIENTS,
    DeviceKind.THIN_CLIENT: MbnClass.DESKTOPS_THIN_CLIENTS,
    DeviceKind.SMARTPHONE: MbnClass.SMARTPHONES,
}


def mbn_class_of(kind: DeviceKind) -> MbnClass:
    return MBN_CLASS_OF_KIND.get(kind, MbnClass.NOT_COUNTED)


@dataclass(frozen=True)
class Device:
    status: Status = Status.NONE
    device_id: UUID | None = None
    asset_tag: str = ""
    serial: str = ""
    manufacturer: str = ""
    model: str = ""
    kind: DeviceKind = DeviceKind.OTHER
    holds_storage: bool = False
    purchase: Purchase | None = None
    amortization: Amortization | None = None
    warranty_ends_on: date | None = None
    location: str = ""
    department: str = ""
    mbn_class: MbnClass = MbnClass.NOT_COUNTED
    person_id: str | None = None
    software: tuple[str, ...] = ()
    before_repair: Status | None = None
    sanitized: bool = False
    disposal_vendor: str = ""
    repairs: frozenset[UUID] = frozenset()  # the desk's repair ids already in the history


NO_DEVICE = Device()
