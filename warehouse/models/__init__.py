from warehouse.models.consolidation import PackTote
from warehouse.models.counts import CountPolicy, CountTask
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
from warehouse.models.recall import LotRecall
from warehouse.models.replenishment import PickFace, ReplenishmentReason, ReplenishmentTask
from warehouse.models.scans import StationScan
from warehouse.models.serials import SerialUnit
from warehouse.models.transfers import TransferLine, TransferOrder, TransferParcel, TransferStatus

__all__ = [
    "AsnCarton",
    "Carton",
    "CartonItem",
    "CartonType",
    "CountPolicy",
    "CountTask",
    "Discrepancy",
    "DiscrepancyKind",
    "ExceptionKind",
    "InboundKind",
    "InboundStatus",
    "LotRecall",
    "Pack",
    "PackTote",
    "PackingSlipTemplate",
    "PickFace",
    "PickLine",
    "PickSession",
    "PickSlot",
    "PickStrategy",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PutawayOverrideReason",
    "PutawayStatus",
    "PutawayStep",
    "PutawayTask",
    "Receipt",
    "ReceiptStatus",
    "ReceivingException",
    "ReplenishmentReason",
    "ReplenishmentTask",
    "SerialUnit",
    "StationScan",
    "TransferLine",
    "TransferOrder",
    "TransferParcel",
    "TransferStatus",
    "Wave",
]
