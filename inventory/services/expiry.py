"""Expired stock is blocked: a beat job moves every expired sellable unit in a storage bin to quarantine
through the ledger, lot by lot, so it is neither available to sell nor offered to a picker."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from core.errors import DomainError
from inventory.models import BinStock, Condition
from inventory.services.stock import stock_change_condition
from layout.models import Bin

log = logging.getLogger(__name__)
EXPIRY_ACTOR = "expiry sweep"


def stock_expired_block(*, today: dt.date | None = None, limit: int = 500) -> dict[str, int]:
    """Quarantine every expired sellable lot in a storage bin, each in its own transaction (safe to run twice:
    a blocked row is no longer sellable). A row that cannot be blocked now (its units are promised to orders
    beyond what else is available) is left for the next run and counted."""
    today = today or timezone.localdate()
    outcome = {"blocked_rows": 0, "blocked_units": 0, "left": 0}
    rows = list(
        BinStock.objects.filter(expiry__lt=today, condition=Condition.SELLABLE, qty__gt=0, bin__kind__in=Bin.STORAGE_KINDS)
        .select_related("product", "bin").order_by("expiry", "pk")[:limit]
    )
    for row in rows:
        try:
            stock_change_condition(product=row.product, bin=row.bin, qty=row.qty, from_condition=Condition.SELLABLE,
                                   to_condition=Condition.QUARANTINED, actor=EXPIRY_ACTOR, lot=row.lot,
                                   reason=f"expired on {row.expiry:%Y-%m-%d}", reference=f"expiry:{today:%Y-%m-%d}")
        except DomainError as exc:
            log.warning("expired lot %r of product %s in bin %s not blocked: %s", row.lot, row.product_id, row.bin_id, exc)
            outcome["left"] += 1
            continue
        outcome["blocked_rows"] += 1
        outcome["blocked_units"] += row.qty
    return outcome
