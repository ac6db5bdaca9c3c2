"""Consumer group `assets.network` over the service's own `assets.events`: a device that left the city (disposed of,
lost or stolen) gives its IP addresses back, each release an `assets.address_released` on its prefix's stream.

Idempotent by construction: the consumer's dedupe row shares the transaction, and only live allocations are
released, so a redelivered departure finds none left and releases nothing twice.
"""

from assets import ipam
from assets.repairs import context_of
from events.contracts.assets import DeviceDisposed, DeviceReportedMissing
from events.contracts.ipam import ReleaseReason
from events.envelope import Envelope
from events.projection import Projection

GROUP = "assets.network"

projection = Projection()


@projection.on(DeviceDisposed)
async def device_disposed(conn, disposed: DeviceDisposed, envelope: Envelope) -> None:
    await ipam.release_addresses_of(
        conn, disposed.device_id, ReleaseReason.DEVICE_DISPOSED, disposed.at, context_of(envelope)
    )


@projection.on(DeviceReportedMissing)
async def device_missing(conn, missing: DeviceReportedMissing, envelope: Envelope) -> None:
    reason = ReleaseReason.DEVICE_STOLEN if missing.stolen else ReleaseReason.DEVICE_LOST
    await ipam.release_addresses_of(conn, missing.device_id, reason, missing.at, context_of(envelope))
