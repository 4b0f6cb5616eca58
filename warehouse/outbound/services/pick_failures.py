"""Pick failure creates a discrepancy.

The picker reports the bin empty, short or damaged (one scan: CMD:EMPTY / CMD:SHORT / CMD:DAMAGED). The
system records a `Discrepancy` for the product and bin with the expected and found quantities, flags that
stock so nobody is sent there again until a manager resolves it, and re-sources every open pick line of
that bin: another bin of this warehouse, else another warehouse through routing, else backorder. The
order's timeline says what happened. Nothing is silently skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum

from inventory.models import BinStock, Condition
from inventory.services.flags import stock_flag
from inventory.services.levels import stock_level_lock
from orders.locks import lock_for_fulfillments
from orders.services.fulfillment_progress import order_line_note, order_line_resource
from warehouse.models import Discrepancy, DiscrepancyKind, PickLine, PickSession, PickSlot
from warehouse.outbound.selectors import plan_bins
from warehouse.outbound.services.lifecycles import pick_line_transition
from warehouse.outbound.services.picking import (
    LIVE_SESSION,
    PickRefused,
    _locked_own_session,
    pick_confirm,
    pick_session_finish_if_done,
)
from warehouse.outbound.services.waves import resequence


@dataclass
class PickFailure:
    discrepancy: Discrepancy
    message: str


@transaction.atomic
def pick_fail(*, line: PickLine, kind: str, actor, found_qty: int = 0) -> PickFailure:
    """`found_qty`: for a short pick, the units that were there (picked now); for damaged, how many
    damaged units the picker saw. The rest of the line fails and is re-sourced."""
    pick_fail_lock_orders(line)
    session = _locked_own_session(line.session, actor)
    line = PickLine.objects.select_for_update(of=("self",), no_key=True).select_related("bin", "product").get(pk=line.pk)
    if line.session_id != session.pk or line.status != PickLine.Status.OPEN:
        raise PickRefused(f"pick line {line.pk} is not open in this session")
    if kind not in DiscrepancyKind.values:
        raise PickRefused(f"unknown pick failure {kind!r} (one of {', '.join(DiscrepancyKind.values)})")
    if not isinstance(found_qty, int) or isinstance(found_qty, bool) or found_qty < 0:
        raise PickRefused(f"found quantity must be a whole number, 0 or more, got {found_qty!r}")
    if kind == DiscrepancyKind.SHORT and found_qty >= line.remaining:
        raise PickRefused(f"{found_qty} found covers the {line.remaining} needed: scan the items instead")
    # Every open line at the bin (other pickers' too) is locked now, before any stock row: a picker scanning one
    # of them holds its line and then takes the stock lock, so taking stock first here would deadlock with them.
    _open_lines_at(line)
    if kind == DiscrepancyKind.SHORT and found_qty:
        if not line.bin_confirmed:
            raise PickRefused(f"scan bin {line.bin.code} first")
        line = pick_confirm(line=line, qty=found_qty, actor=actor)
    system_qty = _sellable_in_bin(line)
    discrepancy = Discrepancy.objects.create(
        warehouse_id=session.warehouse_id, product=line.product, bin=line.bin, kind=kind,
        expected_qty=system_qty + (found_qty if kind == DiscrepancyKind.SHORT else 0), found_qty=found_qty,
        pick_line=line, reported_by=actor if getattr(actor, "pk", None) else None,
    )
    what = f"{discrepancy.get_kind_display()} at {line.bin.code} for {line.product.sku}"
    stock_flag(product=line.product, bin=line.bin, actor=actor, reason=f"{what} (D-{discrepancy.pk})",
               reference=f"discrepancy:{discrepancy.pk}")
    outcomes = {}
    for affected in _open_lines_at(line):
        outcomes[affected.pk] = _fail_and_resource(affected, actor=actor, reason=f"{what}, discrepancy D-{discrepancy.pk}")
    session.pending_qty = None
    session.save(update_fields=["pending_qty"])
    pick_session_finish_if_done(session)
    return PickFailure(discrepancy, f"{what}: discrepancy D-{discrepancy.pk} raised, bin flagged. {outcomes.get(line.pk, '')}".strip())


def pick_fail_lock_orders(line: PickLine) -> None:
    """A failure touches every open line at the bin, in any live session, and the orders behind them
    (re-sourcing reports to the OMS): their orders and fulfillment orders are locked first, before any
    session or line (the global lock order), so a failure never deadlocks with a cancellation."""
    fulfillment_ids = set(
        PickLine.objects.filter(product_id=line.product_id, bin_id=line.bin_id, status=PickLine.Status.OPEN,
                                session__status__in=LIVE_SESSION).values_list("slot__fulfillment_order_id", flat=True)
    )
    fulfillment_ids |= set(PickSlot.objects.filter(session_id=line.session_id).values_list("fulfillment_order_id", flat=True))
    lock_for_fulfillments(fulfillment_ids)


def _sellable_in_bin(line: PickLine) -> int:
    return BinStock.objects.filter(product_id=line.product_id, bin_id=line.bin_id, condition=Condition.SELLABLE).aggregate(
        n=Sum("qty"))["n"] or 0


def _open_lines_at(line: PickLine) -> list[PickLine]:
    """Every open pick line sent to this product in this bin, in any live session: none of them can be picked now."""
    return list(
        PickLine.objects.select_for_update(of=("self",), no_key=True).select_related("bin", "slot__fulfillment_order", "reservation", "session")
        .filter(product_id=line.product_id, bin_id=line.bin_id, status=PickLine.Status.OPEN, session__status__in=LIVE_SESSION)
        .order_by("-session__priority", "session_id", "sequence")
    )


def _fail_and_resource(line: PickLine, *, actor, reason: str) -> str:
    failed = line.remaining
    pick_line_transition(line=line, to=PickLine.Status.FAILED, actor=actor, reason=reason,
                         extra={"failed_qty": line.failed_qty + failed})
    reservation = line.reservation
    reservation.refresh_from_db()
    failed = min(failed, reservation.qty)  # an order edited meanwhile may want fewer
    if not failed:
        return "Nothing left to re-source."
    # Flagging took the bin's units out of available; if the warehouse no longer covers its reservations,
    # this line gives the difference back to routing instead of taking stock promised to other orders.
    level = stock_level_lock(product_id=line.product_id, warehouse_id=line.session.warehouse_id)
    give_back = min(max(-level.available, 0), failed)
    if line.slot.fulfillment_order.cancel_requested_at is not None:
        give_back = failed  # being cancelled: nothing more is picked for it
    picks = plan_bins(reservation, failed - give_back, exclude_bin_ids=[line.bin_id]) if failed > give_back else []
    here = sum(p.qty for p in picks)
    give_back = failed - here
    words = []
    if picks:
        _add_lines(line, picks)
        words.append(f"{here} to pick from " + ", ".join(f"{p.bin.code} ({p.qty})" for p in picks))
    if give_back:
        words.append(order_line_resource(order_line_id=line.order_line_id, warehouse_id=line.session.warehouse_id,
                                         qty=give_back, actor=actor, reason=reason))
    message = "; ".join(words)
    if picks:
        order_line_note(order_line_id=line.order_line_id, kind="pick_failure", actor=actor, message=f"{reason}. {message}")
    return message[:1].upper() + message[1:] + "."


def _add_lines(failed: PickLine, picks) -> None:
    session = PickSession.objects.select_related("warehouse").get(pk=failed.session_id)
    new = [PickLine(session=session, slot=failed.slot, reservation=p.reservation, order_line_id=failed.order_line_id,
                    product_id=failed.product_id, bin=p.bin, lot=p.lot, qty=p.qty) for p in picks]
    still_open = list(session.lines.filter(status=PickLine.Status.OPEN).select_related("bin", "slot"))
    resequence(session, still_open + new)
    PickLine.objects.bulk_update(still_open, ["sequence"])
    PickLine.objects.bulk_create(new)
