"""The software deciders: titles, and licences whose seats go to devices, never more seats used than owned.

A licence is its own stream and every seat it gives or takes back is appended to it, so two technicians
taking its last seat at once clash on the stream's version: one wins, the other is refused.
A licence is in force through its expiry date (inclusive, a UTC date); a perpetual one never lapses.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID

from assets.domain.errors import (
    LicenceAlreadyAcquired,
    LicenceDoesNotExpire,
    LicenceExpired,
    LicenceSeatsExhausted,
    LicenceSeatsInUse,
    RenewalNotLater,
    SeatAlreadyAllocated,
    SoftwareTitleAlreadyAdded,
)
from events.base import Event
from events.contracts.software import (
    LicenceAcquired,
    LicencePurchase,
    LicenceRenewed,
    LicenceType,
    SoftwareInstalled,
    SoftwareTitleAdded,
    SoftwareUninstalled,
)
from events.decider import Decider
from events.errors import NotFound, Unprocessable

# --- titles ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoftwareTitle:
    title_id: UUID | None = None
    name: str = ""
    publisher: str = ""
    version: str = ""
    category: str = ""


@dataclass(frozen=True)
class AddSoftwareTitle:
    title_id: UUID
    name: str
    at: datetime
    publisher: str = ""
    version: str = ""
    category: str = ""


def _title_must_exist(state: SoftwareTitle, command: object) -> None:
    if state.title_id is None:
        raise NotFound("no such software title")


def _add_title(state: SoftwareTitle, c: AddSoftwareTitle) -> list[Event]:
    if state.title_id is not None:
        raise SoftwareTitleAlreadyAdded(f"software title {c.title_id} is already added")
    return [SoftwareTitleAdded(at=c.at, title_id=c.title_id, name=c.name, publisher=c.publisher, version=c.version,
                               category=c.category)]


def _title_added(s: SoftwareTitle, e: SoftwareTitleAdded) -> SoftwareTitle:
    return SoftwareTitle(e.title_id, e.name, e.publisher, e.version, e.category)


SOFTWARE_TITLE = Decider(initial=SoftwareTitle(), evolvers={SoftwareTitleAdded: _title_added},
                         deciders={AddSoftwareTitle: _add_title}, precondition=_title_must_exist,
                         creates=(AddSoftwareTitle,))

# --- licences -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A device holding one of the licence's seats: since when, installed by whom."""

    device_id: UUID
    since: datetime
    technician_id: str


@dataclass(frozen=True)
class Licence:
    licence_id: UUID | None = None
    title_id: UUID | None = None
    licence_type: LicenceType = LicenceType.PERPETUAL
    seats: int = 0
    expires_on: date | None = None
    purchases: tuple[LicencePurchase, ...] = ()  # the acquisition, then each renewal that cost something
    key_reference: str = ""
    held: dict[UUID, Seat] = field(default_factory=dict)  # never changed in place: each event makes a new one

    @property
    def seats_used(self) -> int:
        return len(self.held)

    @property
    def seats_free(self) -> int:
        return max(self.seats - self.seats_used, 0)

    def expired_on(self, day: date) -> bool:
        return self.expires_on is not None and day > self.expires_on


NO_LICENCE = Licence()


@dataclass(frozen=True)
class AcquireLicence:
    licence_id: UUID
    title_id: UUID
    licence_type: LicenceType
    seats: int
    at: datetime
    expires_on: date | None = None
    purchase: LicencePurchase | None = None
    key_reference: str = ""


@dataclass(frozen=True)
class RenewLicence:
    expires_on: date
    at: datetime
    seats: int | None = None  # the seats owned from the renewal on; absent keeps the count
    purchase: LicencePurchase | None = None


@dataclass(frozen=True)
class InstallSoftware:
    device_id: UUID
    technician_id: str
    at: datetime


@dataclass(frozen=True)
class UninstallSoftware:
    device_id: UUID
    at: datetime
    reason: str = ""


LicenceCommand = AcquireLicence | RenewLicence | InstallSoftware | UninstallSoftware


def _licence_must_exist(state: Licence, command: LicenceCommand) -> None:
    if state.licence_id is None:
        raise NotFound("no such licence")


def _acquire(state: Licence, c: AcquireLicence) -> list[Event]:
    if state.licence_id is not None:
        raise LicenceAlreadyAcquired(f"licence {c.licence_id} is already acquired")
    if c.licence_type is LicenceType.SUBSCRIPTION and c.expires_on is None:
        raise Unprocessable("expires_on", "a subscription lapses: give the date its term ends")
    if c.licence_type is LicenceType.PERPETUAL and c.expires_on is not None:
        raise Unprocessable("expires_on", "a perpetual licence does not expire: leave the date out")
    return [LicenceAcquired(at=c.at, licence_id=c.licence_id, title_id=c.title_id, licence_type=c.licence_type,
                            seats=c.seats, expires_on=c.expires_on, purchase=c.purchase,
                            key_reference=c.key_reference)]


def _renew(state: Licence, c: RenewLicence) -> list[Event]:
    if state.expires_on is None:
        raise LicenceDoesNotExpire(f"licence {state.licence_id} never expires: there is nothing to renew")
    if c.expires_on <= state.expires_on:
        raise RenewalNotLater(f"licence {state.licence_id} already runs to {state.expires_on}:"
                              f" a renewal must end after it, not on {c.expires_on}")
    seats = c.seats or state.seats
    if seats < state.seats_used:
        raise LicenceSeatsInUse(f"licence {state.licence_id} has {state.seats_used} seats in use:"
                                f" release some before owning only {seats}")
    return [LicenceRenewed(at=c.at, licence_id=state.licence_id, expires_on=c.expires_on, seats=seats,
                           purchase=c.purchase)]


def _install(state: Licence, c: InstallSoftware) -> list[Event]:
    if c.device_id in state.held:
        raise SeatAlreadyAllocated(f"device {c.device_id} already holds a seat of licence {state.licence_id}")
    if state.expired_on(c.at.date()):
        raise LicenceExpired(f"licence {state.licence_id} expired on {state.expires_on}: it allocates no seat"
                             " until it is renewed")
    if state.seats_used >= state.seats:
        raise LicenceSeatsExhausted(f"licence {state.licence_id} owns {state.seats} seats and all are in use:"
                                    " release one or acquire more")
    return [SoftwareInstalled(at=c.at, licence_id=state.licence_id, title_id=state.title_id, device_id=c.device_id,
                              technician_id=c.technician_id)]


def _uninstall(state: Licence, c: UninstallSoftware) -> list[Event]:
    if c.device_id not in state.held:
        raise NotFound(f"device {c.device_id} holds no seat of licence {state.licence_id}")
    return [SoftwareUninstalled(at=c.at, licence_id=state.licence_id, title_id=state.title_id, device_id=c.device_id,
                                reason=c.reason)]


def _acquired(s: Licence, e: LicenceAcquired) -> Licence:
    return Licence(licence_id=e.licence_id, title_id=e.title_id, licence_type=e.licence_type, seats=e.seats,
                   expires_on=e.expires_on, purchases=(e.purchase,) if e.purchase else (),
                   key_reference=e.key_reference)


def _renewed(s: Licence, e: LicenceRenewed) -> Licence:
    return replace(s, expires_on=e.expires_on, seats=e.seats,
                   purchases=(*s.purchases, e.purchase) if e.purchase else s.purchases)


def _installed(s: Licence, e: SoftwareInstalled) -> Licence:
    return replace(s, held={**s.held, e.device_id: Seat(e.device_id, e.at, e.technician_id)})


def _uninstalled(s: Licence, e: SoftwareUninstalled) -> Licence:
    return replace(s, held={d: seat for d, seat in s.held.items() if d != e.device_id})


LICENCE = Decider(
    initial=NO_LICENCE,
    evolvers={LicenceAcquired: _acquired, LicenceRenewed: _renewed, SoftwareInstalled: _installed,
              SoftwareUninstalled: _uninstalled},
    deciders={AcquireLicence: _acquire, RenewLicence: _renew, InstallSoftware: _install,
              UninstallSoftware: _uninstall},
    precondition=_licence_must_exist,
    creates=(AcquireLicence,),
)
