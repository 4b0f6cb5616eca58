"""Pick failure creates a discrepancy.

The picker reports the bin empty, short or damaged (one scan: CMD:EMPTY / CMD:SHORT / CMD:DAMAGED). The
system records a `Discrepancy` for the product and bin with the expected and found quantities, flags that
stock so nobody is sent there again until a manager resolves it, and re-sources every open pick line of
that bin: another bin of this warehouse, else another warehouse through routing, else backorder. The
order's timeline says what happened. Nothing is silently skipped.

A failure changes other pickers' work: the open lines of that bin in their sessions fail, and their
re-sourced lines are added to (and resequenced in) those sessions. So it locks, before it changes anything
and in the global order (docs/ARCHITECTURE.md, "Cross-app workflows"): the orders and fulfillment orders
behind those lines and behind the reporter's session, then every session it may change (by pk), then
their open lines (by pk), then the stock levels re-sourcing may reserve from (by pk). A picker scanning in
one of those sessions locks the session first, so they meet on the session row and one waits for the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, Sum

from core.errors import Conflict
from inventory.models import BinStock, Condition, StockLevel
from inventory.services.flags import stock_flag
from inventory.services.levels import stock_level_lock, stock_levels_lock
from orders.locks import lock_for_fulfillments, try_lock_for_fulfillments
from orders.models import FulfillmentOrder, OrderLine
from orders.selectors import reserved_by_line
from orders.services.fulfillment_progress import order_line_note, order_line_resource
from warehouse.models import Discrepancy, DiscrepancyKind, PickLine, PickSession, PickSlot
from warehouse.outbound.selectors import plan_bins
from warehouse.outbound.services.lifecycles import pick_line_transition
from warehouse.outbound.services.picking import (
    LIVE_SESSION,
    PickRefused,
    pick_confirm,
    pick_session_finish_if_done,
)
from warehouse.outbound.services.waves import resequence

# Rounds of "find what the failure reaches, lock it": a second round only runs when another picker's
# failure added lines at this bin between the first look and the locks.
SCOPE_ROUNDS = 3


class PickBusy(Conflict):
    """The work at this bin changed while the failure was being locked and the new part is held by another
    station: nothing was changed, the same report sent again goes through."""

    code = "pick_busy"


@dataclass
class PickFailure:
    discrepancy: Discrepancy
    message: str


@dataclass
class FailureScope:
    """What one failure may change, locked: the reporter's session (checked to be theirs) and line, every
    session locked for it (the reporter's among them) and the ids of the fulfillment orders locked for it."""

    session: PickSession
    line: PickLine
    sessions: dict[int, PickSession] = field(default_factory=dict)
    fulfillment_ids: set[int] = field(default_factory=set)

    @property
    def session_ids(self) -> set[int]:
        return set(self.sessions)


@transaction.atomic
def pick_fail(*, line: PickLine, kind: str, actor, found_qty: int = 0, _scope: FailureScope | None = None) -> PickFailure:
    """`found_qty`: for a short pick, the units that were there (picked now); for damaged, how many
    damaged units the picker saw. The rest of the line fails and is re-sourced.
    (`_scope`: the caller took `pick_fail_lock` for this line in this transaction, as `pick_scan` does.)"""
    scope = _scope if _scope is not None and _scope.line.pk == line.pk else pick_fail_lock(line=line, actor=actor)
    session = scope.session
    line = PickLine.objects.select_related("bin", "product").get(pk=line.pk)  # locked by the scope
    if line.session_id != session.pk or line.status != PickLine.Status.OPEN:
        raise PickRefused(f"pick line {line.pk} is not open in this session")
    if kind not in DiscrepancyKind.values:
        raise PickRefused(f"unknown pick failure {kind!r} (one of {', '.join(DiscrepancyKind.values)})")
    if not isinstance(found_qty, int) or isinstance(found_qty, bool) or found_qty < 0:
        raise PickRefused(f"found quantity must be a whole number, 0 or more, got {found_qty!r}")
    if kind == DiscrepancyKind.SHORT and found_qty >= line.remaining:
        raise PickRefused(f"{found_qty} found covers the {line.remaining} needed: scan the items instead")
    if kind == DiscrepancyKind.SHORT and found_qty and not line.bin_confirmed:
        raise PickRefused(f"scan bin {line.bin.code} first")
    _lock_stock_levels(line, scope)
    if kind == DiscrepancyKind.SHORT and found_qty:
        line = pick_confirm(line=line, qty=found_qty, actor=actor, _locked_session=session)
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
    affected_lines = _open_lines_at(line, scope)
    for affected in affected_lines:
        outcomes[affected.pk] = _fail_and_resource(affected, actor=actor, reason=f"{what}, discrepancy D-{discrepancy.pk}")
    session.pending_qty = None
    session.save(update_fields=["pending_qty"])
    # A session whose last open lines failed here (given back, nothing re-sourced into it) has nothing left to
    # pick, whoever holds it: it is done now, or its picker would be sent back to it forever. Waves are locked
    # in pk order as each session finishes.
    touched = {scope.sessions[pk] for pk in {session.pk} | {affected.session_id for affected in affected_lines}}
    for finished in sorted(touched, key=lambda s: (s.wave_id, s.pk)):
        pick_session_finish_if_done(finished)
    return PickFailure(discrepancy, f"{what}: discrepancy D-{discrepancy.pk} raised, bin flagged. {outcomes.get(line.pk, '')}".strip())


def pick_fail_lock(*, line: PickLine, actor) -> FailureScope:
    """Lock everything a failure of `line` may change above the stock, in the global order: the orders and
    fulfillment orders of every open line at its bin (in any live session) and of the reporter's session,
    then those sessions by pk, then their open lines by pk. Only then is the reporter's session checked.

    The reach is read before its locks are taken; a line added at the bin meanwhile (another failure's
    re-sourcing that committed) is seen by the read that follows the locks. Its rows are then taken without
    waiting, since waiting for an order after holding a session would invert the order: busy, the failure
    is refused (`PickBusy`, nothing changed) and the picker reports again."""
    fulfillment_ids: set[int] = set()
    session_ids: set[int] = set()
    sessions: dict[int, PickSession] = {}
    for _ in range(SCOPE_ROUNDS):
        wanted_fulfillments, wanted_sessions = _failure_reach(line)
        new_fulfillments, new_sessions = wanted_fulfillments - fulfillment_ids, wanted_sessions - session_ids
        if not new_fulfillments and not new_sessions:
            break
        wait = not session_ids  # nothing below the orders is held yet
        if wait:
            lock_for_fulfillments(new_fulfillments)
        elif not try_lock_for_fulfillments(new_fulfillments):
            raise _busy(line)
        sessions.update(_lock_sessions(new_sessions, wait=wait, line=line))
        _lock_open_lines(new_sessions, also=line.pk if wait else None, wait=wait, line=line)
        fulfillment_ids |= new_fulfillments
        session_ids |= new_sessions
    else:
        raise _busy(line)
    session = sessions[line.session_id]
    if session.status != PickSession.Status.CLAIMED:
        raise PickRefused(f"pick session {session} is {session.get_status_display().lower()}: take a session first")
    if session.picker_id != getattr(actor, "pk", None):
        holder = session.picker.get_username() if session.picker else "another picker"
        raise PickRefused(f"pick session {session} belongs to {holder}")
    return FailureScope(session=session, line=line, sessions=sessions, fulfillment_ids=fulfillment_ids)


def _failure_reach(line: PickLine) -> tuple[set[int], set[int]]:
    """(fulfillment order ids, session ids) a failure of `line` reaches now: the open lines at its bin in any
    live session, and the reporter's own session with its slots (it may finish, which reports to the OMS)."""
    at_bin = list(
        PickLine.objects.filter(product_id=line.product_id, bin_id=line.bin_id, status=PickLine.Status.OPEN,
                                session__status__in=LIVE_SESSION)
        .values_list("session_id", "slot__fulfillment_order_id")
    )
    fulfillment_ids = {fulfillment_id for _, fulfillment_id in at_bin}
    fulfillment_ids |= set(PickSlot.objects.filter(session_id=line.session_id).values_list("fulfillment_order_id", flat=True))
    return fulfillment_ids, {line.session_id} | {session_id for session_id, _ in at_bin}


def _lock_sessions(ids: set[int], *, wait: bool, line: PickLine) -> dict[int, PickSession]:
    rows = PickSession.objects.select_related("warehouse", "picker").filter(pk__in=sorted(ids)).order_by("pk")
    locked = {s.pk: s for s in rows.select_for_update(of=("self",), no_key=True, skip_locked=not wait)}
    if not wait and len(locked) != len(ids):
        raise _busy(line)
    return locked


def _lock_open_lines(session_ids: set[int], *, also: int | None, wait: bool, line: PickLine) -> None:
    """The open lines of these sessions (a failure fails some and resequences the rest), and `also`."""
    wanted = Q(session_id__in=sorted(session_ids), status=PickLine.Status.OPEN)
    if also is not None:
        wanted |= Q(pk=also)
    rows = PickLine.objects.filter(wanted).order_by("pk")
    locked = list(rows.select_for_update(of=("self",), no_key=True, skip_locked=not wait).values_list("pk", flat=True))
    if not wait and set(locked) != set(rows.values_list("pk", flat=True)):
        raise _busy(line)


def _busy(line: PickLine) -> PickBusy:
    return PickBusy(f"the pick lines at {line.bin.code} are changing right now (another picker's report): report it again")


def _lock_stock_levels(line: PickLine, scope: FailureScope) -> None:
    """Every stock level the failure may change, by pk, before the first one: this warehouse's level of the
    product (the flag, the units found), and the levels re-sourcing may reserve from through routing: the
    product's in every warehouse, and those of any line of the affected orders still waiting for stock
    (routing allocates the whole order again). Locked one by one later, a level of another warehouse would
    be taken after this one, against the pk order every allocation follows."""
    fulfillments = FulfillmentOrder.objects.filter(
        pk__in=PickLine.objects.filter(product_id=line.product_id, bin_id=line.bin_id, status=PickLine.Status.OPEN,
                                       session_id__in=scope.session_ids).values("slot__fulfillment_order_id"))
    lines = list(OrderLine.objects.filter(order_id__in=fulfillments.values("order_id"), product_id__isnull=False))
    reserved = reserved_by_line(order_line.pk for order_line in lines)
    products = {line.product_id} | {
        order_line.product_id for order_line in lines
        if order_line.product_id is not None and order_line.open_qty > reserved.get(order_line.pk, 0)
    }
    keys = set(
        StockLevel.objects.filter(product_id__in=products, warehouse__is_active=True).values_list("product_id", "warehouse_id")
    )
    keys.add((line.product_id, scope.session.warehouse_id))
    stock_levels_lock(keys=keys)


def _sellable_in_bin(line: PickLine) -> int:
    return BinStock.objects.filter(product_id=line.product_id, bin_id=line.bin_id, condition=Condition.SELLABLE).aggregate(
        n=Sum("qty"))["n"] or 0


def _open_lines_at(line: PickLine, scope: FailureScope) -> list[PickLine]:
    """Every open pick line sent to this product in this bin in the sessions the failure locked: none of them can
    be picked now. (A line planned into a new session meanwhile meets the flag when its picker gets there.)"""
    return list(
        PickLine.objects.select_related("bin", "slot__fulfillment_order", "reservation", "session")
        .filter(product_id=line.product_id, bin_id=line.bin_id, status=PickLine.Status.OPEN,
                session_id__in=sorted(scope.session_ids), session__status__in=LIVE_SESSION)
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
    level = stock_level_lock(product_id=line.product_id, warehouse_id=line.session.warehouse_id)  # held already
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
    """The re-sourced picks join the failed line's session (the reporter's or another picker's: locked by the
    scope, with its open lines, which are resequenced)."""
    session = PickSession.objects.select_related("warehouse").get(pk=failed.session_id)
    new = [PickLine(session=session, slot=failed.slot, reservation=p.reservation, order_line_id=failed.order_line_id,
                    product_id=failed.product_id, bin=p.bin, lot=p.lot, qty=p.qty) for p in picks]
    still_open = list(session.lines.filter(status=PickLine.Status.OPEN).select_related("bin", "slot"))
    resequence(session, still_open + new)
    PickLine.objects.bulk_update(still_open, ["sequence"])
    PickLine.objects.bulk_create(new)
