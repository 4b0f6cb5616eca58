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
)
from inventory.models.tenancy import Merchant, MerchantMembership, MerchantScopedQuerySet, StaffScope

__all__ = [
    "AvailabilityChange",
    "BinStock",
    "Condition",
    "DriftFinding",
    "InTransitStock",
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
]
