from core.errors import Conflict, DomainError, NotFound


class InvalidProduct(DomainError):
    code = "invalid_product"


class UnknownSku(NotFound):
    code = "unknown_sku"


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class WrongMerchant(DomainError):
    status_code = 403
    code = "wrong_merchant"


class InactiveBin(DomainError):
    code = "inactive_bin"


class WrongWarehouse(DomainError):
    code = "wrong_warehouse"


class BinCapacityExceeded(Conflict):
    code = "bin_capacity_exceeded"


class ReservationError(Conflict):
    code = "reservation_error"


class StockFlagged(Conflict):
    code = "stock_flagged"
