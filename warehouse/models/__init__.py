from warehouse.models.inbound import (
    AsnCarton,
    ExceptionKind,
    InboundKind,
    InboundStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PutawayOverrideReason,
    PutawayStatus,
    PutawayStep,
    PutawayTask,
    Receipt,
    ReceiptStatus,
    ReceivingException,
)
from warehouse.models.counts import CountTask
from warehouse.models.packing import Carton, CartonItem, CartonType, Pack, PackingSlipTemplate
from warehouse.models.picking import (
    Discrepancy,
    DiscrepancyKind,
    PickLine,
    PickSession,
    PickSlot,
    PickStrategy,
    Wave,
)
from warehouse.models.scans import StationScan

__all__ = [
    "AsnCarton", "ExceptionKind", "InboundKind", "InboundStatus", "PurchaseOrder", "PurchaseOrderLine",
    "PutawayOverrideReason", "PutawayStatus", "PutawayStep", "PutawayTask", "Receipt", "ReceiptStatus",
    "ReceivingException", "StationScan",
    "Carton", "CartonItem", "CartonType", "CountTask", "Discrepancy", "DiscrepancyKind", "Pack", "PackingSlipTemplate",
    "PickLine", "PickSession", "PickSlot", "PickStrategy", "Wave",
]
