from warehouse.models.layout import Bin, Warehouse, Zone

__all__ = ["Bin", "Warehouse", "Zone"]
