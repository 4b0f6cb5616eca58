"""Low stock: an alert once per crossing down to the reorder point, closed when stock recovers."""

from __future__ import annotations

import logging

from django.db.models import F, Sum
from django.utils import timezone

from inventory.models import LowStockAlert, Product, ReorderRule, StockLevel

log = logging.getLogger(__name__)


def low_stock_evaluate(*, product: Product, warehouse_id: int, known: tuple[int | None, int] | None = None) -> None:
    """Called inside the stock transaction that changed availability. `known`: the warehouse's reorder point
    (None: it has no rule) and the level's available units, as the caller read them with the level's lock."""
    if known is None:
        rule = ReorderRule.objects.filter(product=product, warehouse_id=warehouse_id).only("reorder_point").first()
        point = rule.reorder_point if rule is not None else None
        if point is not None:
            known = (point, StockLevel.objects.get(product=product, warehouse_id=warehouse_id).available)
    if known is not None and known[0] is not None:
        _evaluate(product, warehouse_id, known[0], known[1])
    if product.reorder_point is not None:
        total = (
            StockLevel.objects.filter(product=product)
            .aggregate(n=Sum(F("on_hand") - F("allocated") - F("unavailable")))["n"]
            or 0
        )
        _evaluate(product, None, product.reorder_point, total)


def _evaluate(product: Product, warehouse_id: int | None, reorder_point: int, available: int) -> None:
    open_alert = LowStockAlert.objects.filter(product=product, warehouse_id=warehouse_id, recovered_at__isnull=True)
    if available <= reorder_point:
        if not open_alert.exists():
            LowStockAlert.objects.create(
                product=product, warehouse_id=warehouse_id, reorder_point=reorder_point, available_at_crossing=available
            )
            log.info("low stock: %s at %s available (reorder point %s)", product.sku, available, reorder_point)
    else:
        open_alert.update(recovered_at=timezone.now())
