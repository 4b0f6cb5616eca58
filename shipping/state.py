"""The shipment lifecycle: every allowed status change of a carton's label, in one table.

Applied only through `shipping.services.shipments.shipment_transition`. (A manifest has no status: it is
written once, when the carrier collects.)"""

from core.lifecycle import Lifecycle
from shipping.models import Shipment

S = Shipment.Status

SHIPMENT = Lifecycle("shipment", S, {
    # Written before the purchase, bought with no transaction open, then recorded; CANCELLED when the
    # pack's close failed on another carton before this one was bought.
    S.AWAITING_LABEL: {S.LABELLED, S.CANCELLED},
    S.LABELLED: {S.VOIDING, S.SHIPPED},
    # VOIDING -> LABELLED: the carrier refused the void or could not be reached; the reason stays on the row.
    S.VOIDING: {S.VOIDED, S.LABELLED},
    S.SHIPPED: {S.DELIVERED, S.EXCEPTION},
    S.EXCEPTION: {S.DELIVERED},
    S.DELIVERED: set(),
    S.VOIDED: set(),
    S.CANCELLED: set(),
})
