"""Run the stock tasks' work here and now (tests without a worker, where after-commit tasks never run)."""

from orders.selectors import backordered_product_ids_in_stock, stock_push_due_ids
from orders.services.allocation import backorders_allocate
from orders.services.stock_push import stock_changes_sync, stock_push_deliver


def sync_stock_now() -> int:
    """Read the change marks, fill the backorders they concern, deliver every push that is due.
    Returns how many pushes a storefront accepted."""
    waiting = backordered_product_ids_in_stock(stock_changes_sync())
    if waiting:
        backorders_allocate(product_ids=waiting)
    return sum(stock_push_deliver(push_id=push_id) == "sent" for push_id in stock_push_due_ids())
