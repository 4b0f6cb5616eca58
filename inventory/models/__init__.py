from inventory.models.kits import (
    BundleComponent,
    KitWorkOrder,
    KitWorkOrderLine,
    KitWorkOrderStatus,
)
from inventory.models.monitoring import AvailabilityChange, DriftFinding, LowStockAlert, ReorderRule
from inventory.models.product import PackagingLevel, Product, ProductBarcode, ProductPackaging
from inventory.models.stock import (
    BinStock,
    Condition,
    InTransitStock,
    Movement,
    MovementKind,
    Reservation,
    StockFlag,
    StockLevel,
    kit_reservation_line_id,
    transfer_reservation_line_id,
)
from inventory.models.tenancy import Merchant, MerchantMembership, MerchantScopedQuerySet, StaffScope

__all__ = [
    "AvailabilityChange",
    "BinStock",
    "BundleComponent",
    "Condition",
    "DriftFinding",
    "InTransitStock",
    "KitWorkOrder",
    "KitWorkOrderLine",
    "KitWorkOrderStatus",
    "LowStockAlert",
    "Merchant",
    "MerchantMembership",
    "MerchantScopedQuerySet",
    "Movement",
    "MovementKind",
    "PackagingLevel",
    "Product",
    "ProductBarcode",
    "ProductPackaging",
    "ReorderRule",
    "Reservation",
    "StaffScope",
    "StockFlag",
    "StockLevel",
    "kit_reservation_line_id",
    "transfer_reservation_line_id",
]
