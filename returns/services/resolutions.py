"""Resolving a graded return: an exchange or a warranty replacement ships as a linked order through the
order services; a refund or store credit is recorded and told to the storefront through the outbox."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Q

from core.actors import actor_label
from orders.models import OrderLine
from orders.services.outbox import outbox_lines, outbox_record
from orders.services.replacements import order_create_replacement
from returns.exceptions import ReturnRefused
from returns.locks import lock_order_row, lock_rma
from returns.models import (
    Resolution,
    ReturnAuthorization,
    ReturnEvent,
    ReturnLine,
    RmaStatus,
)
from returns.state import rma_transition

CENT = Decimal("0.01")


def accepted_units(rma: ReturnAuthorization) -> list[tuple[ReturnLine, int]]:
    """Units of each line that came back and were graded (wrong items earn nothing)."""
    lines = ReturnLine.objects.filter(rma=rma).select_related("order_line", "product").annotate(
        accepted=Count("units", filter=Q(units__status="graded", units__wrong_item=False)))
    return [(line, line.accepted) for line in lines if line.accepted]


def refund_amount(pairs) -> Decimal:
    total = Decimal("0")
    for line, qty in pairs:
        order_line: OrderLine = line.order_line
        unit = order_line.unit_price - (order_line.discount / order_line.quantity if order_line.quantity else 0)
        total += unit * qty
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def rma_resolve(*, rma: ReturnAuthorization, actor) -> ReturnAuthorization:
    lock_order_row(rma.order_id)
    rma = lock_rma(rma.pk)
    if rma.status != RmaStatus.GRADED:
        raise ReturnRefused(f"return {rma.number} is {rma.get_status_display().lower()}: only a graded return is resolved")
    pairs = accepted_units(rma)
    if not pairs:
        raise ReturnRefused(f"return {rma.number} has no accepted units: nothing to refund or replace")
    extra: dict = {}
    if rma.resolution in (Resolution.EXCHANGE, Resolution.WARRANTY):
        wanted: dict[str, int] = {}
        for line, qty in pairs:
            sku = (line.exchange_sku or line.order_line.sku) if rma.resolution == Resolution.EXCHANGE else line.order_line.sku
            wanted[sku] = wanted.get(sku, 0) + qty
        replacement = order_create_replacement(
            original=rma.order, lines=list(wanted.items()), reference=rma.number, actor=actor,
            reason=f"{Resolution(rma.resolution).label.lower()} for return {rma.number}")
        extra["replacement_order"] = replacement
        message = f"Replacement order {replacement.order_number} created"
    else:
        amount = refund_amount(pairs)
        extra["refund_amount"] = amount
        outbox_record(order=rma.order, kind="refunded", payload={
            "rma": rma.number, "resolution": rma.resolution, "amount": str(amount), "currency": rma.order.currency,
            "lines": outbox_lines((line.order_line, qty) for line, qty in pairs),
            "reason": ", ".join(sorted({line.reason.label for line, _ in pairs})),
        })
        message = f"{Resolution(rma.resolution).label} of {amount} {rma.order.currency} recorded"
    rma_transition(rma=rma, to=RmaStatus.RESOLVED, actor=actor, reason=message, extra=extra)
    ReturnEvent.objects.create(rma=rma, kind="resolved", message=message, actor_label=actor_label(actor))
    return rma


@transaction.atomic
def rma_close(*, rma: ReturnAuthorization, actor) -> ReturnAuthorization:
    rma = lock_rma(rma.pk)
    rma_transition(rma=rma, to=RmaStatus.CLOSED, actor=actor, reason="closed")
    return rma
