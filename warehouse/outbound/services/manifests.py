"""End of day for one carrier at one warehouse, orders and transfers alike: the driver collects every labelled
carton (`shipping.services.shipments.manifest_close`) and every labelled transfer parcel; a transfer whose parcels
are all collected ships into transit (`transfer_ship_locked`), in the same transaction.

Shipping sits below the WMS and never reads a transfer, so the WMS closes the manifest and names the transfer
parcels shipping may collect. Lock order: the transfers (by pk), their lines, then the shipments (shipping's
close), then stock: the order the transfer services and the transfer label voids take them in."""

from __future__ import annotations

from django.db import transaction

from shipping.models import Manifest, Shipment
from shipping.services import shipments as shipping
from warehouse import locks
from warehouse.services.transfers import transfer_ship_locked
from warehouse.transfer_selectors import COLLECTED_PARCEL, LIVE_PARCEL, transfer_parcels


@transaction.atomic
def manifest_close(*, warehouse, carrier: str, actor) -> Manifest:
    """Every labelled carton and transfer parcel of `carrier` at `warehouse` is handed over and ships."""
    waiting = dict(Shipment.objects.filter(warehouse=warehouse, carrier=carrier, status=Shipment.Status.LABELLED,
                                           purpose=Shipment.Purpose.TRANSFER)
                   .values_list("pk", "transfer_parcel__transfer_id"))
    transfers = locks.lock_transfers(waiting.values(), related=("merchant", "from_warehouse", "to_warehouse", "staging_bin"))
    for transfer in transfers:
        locks.lock_transfer_lines(transfer.pk)
    manifest = shipping.manifest_close(warehouse=warehouse, carrier=carrier, actor=actor, transfer_shipment_ids=list(waiting))
    collected = set(manifest.shipments.filter(purpose=Shipment.Purpose.TRANSFER).values_list("pk", flat=True))
    for transfer in transfers:
        parcels = list(transfer_parcels(transfer.pk))
        if not any(parcel.pk in collected for parcel in parcels):
            continue  # its labels were voided before the driver came
        if any(parcel.status in LIVE_PARCEL for parcel in parcels):
            continue  # another carrier still has to collect a parcel of it
        lead = next(parcel for parcel in parcels if parcel.status in COLLECTED_PARCEL)
        transfer_ship_locked(transfer=transfer, actor=actor, carrier=lead.carrier, tracking_number=lead.tracking_number or "")
    return manifest
