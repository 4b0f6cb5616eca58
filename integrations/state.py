"""The event delivery lifecycle: pending until the endpoint answers 2xx (delivered) or the attempts run out
(parked); a replay puts a parked delivery back to pending (replaying a pending one just sends it now)."""

from __future__ import annotations

from core.lifecycle import Lifecycle
from integrations.models import DeliveryStatus

S = DeliveryStatus
DELIVERY = Lifecycle("event delivery", DeliveryStatus, {
    S.PENDING: {S.DELIVERED, S.PARKED, S.PENDING},
    S.PARKED: {S.PENDING},
    S.DELIVERED: set(),
})
