# Layout first: inventory's models import Warehouse and Bin while this package is still loading.
from warehouse.models.layout import Bin, Warehouse, Zone  # isort: skip

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
    "AsnCarton", "Bin", "ExceptionKind", "InboundKind", "InboundStatus", "PurchaseOrder", "PurchaseOrderLine",
    "PutawayOverrideReason", "PutawayStatus", "PutawayStep", "PutawayTask", "Receipt", "ReceiptStatus",
    "ReceivingException", "StationScan", "Warehouse", "Zone",
    "Carton", "CartonItem", "CartonType", "CountTask", "Discrepancy", "DiscrepancyKind", "Pack", "PackingSlipTemplate",
    "PickLine", "PickSession", "PickSlot", "PickStrategy", "Wave",
]
