"""Picking: claim the next session (never two pickers on one), scan the bin, scan the item, the units
move bin to the slot's tote through `inventory.services.reservations.stock_pick`.

Pick failures (bin empty, short, damaged) live in `warehouse.outbound.services.pick_failures`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.actors import actor_label
from core.errors import Conflict, DomainError, PermissionDenied
from core.reasons import clean_reason
from core.roles import PICKER, may_use, roles_of
from core.transactions import service_atomic
from inventory.models import BinStock
from inventory.services.reservations import stock_pick
from inventory.tenancy import actor_in_scope
from layout.models import Bin, Warehouse
from orders.locks import lock_for_fulfillments, try_lock_for_fulfillments
from orders.services.fulfillment_progress import fulfillment_picked, fulfillment_picking_started
from warehouse.models import PickLine, PickSession, PickSlot, Wave
from warehouse.outbound.selectors import current_line, slot_order_number
from warehouse.outbound.services.lifecycles import pick_line_transition, pick_session_transition, wave_transition
from warehouse.scanning import ScanError, ScanKind, parse_scan
from warehouse.services.scan_match import scan_units
from warehouse.services.station_scans import StationReply

if TYPE_CHECKING:
    from warehouse.outbound.services.pick_failures import FailureScope

LIVE_SESSION = (PickSession.Status.OPEN, PickSession.Status.CLAIMED)
FAILURE_COMMANDS = {"EMPTY": "bin_empty", "SHORT": "short", "DAMAGED": "damaged"}
CLAIM_CANDIDATES = 50  # sessions looked at per claim; the rest are being claimed by other pickers right now


class PickRefused(DomainError):
    code = "pick_refused"


class OrderChanged(PickRefused):
    """The order was cancelled or edited after the wave was planned: fewer units are still wanted."""

    code = "order_changed"


@transaction.atomic
def pick_claim_next(*, warehouse: Warehouse, actor) -> PickSession | None:
    """The picker's own session, or the most urgent open one, claimed with SKIP LOCKED so concurrent
    pickers never get the same session. Each cart slot gets a free tote."""
    mine = PickSession.objects.filter(warehouse=warehouse, status=PickSession.Status.CLAIMED, picker=actor).first()
    if mine:
        return mine
    waiting = PickSession.objects.filter(warehouse=warehouse, status=PickSession.Status.OPEN).order_by("-priority", "ship_by", "id")
    session = None
    for candidate in waiting.values_list("pk", flat=True)[:CLAIM_CANDIDATES]:
        # Claiming reports to the OMS (picking started): the orders behind the session are locked before
        # the session (the global lock order), without waiting: a session whose order is busy (being
        # cancelled, or claimed by another picker this instant) is left for the next claim.
        if not try_lock_for_fulfillments(PickSlot.objects.filter(session_id=candidate).values_list("fulfillment_order_id", flat=True)):
            continue
        session = waiting.filter(pk=candidate).select_for_update(skip_locked=True, of=("self",), no_key=True).first()
        if session is not None:
            break
    if session is None:
        return None
    _assign_totes(session)
    now = timezone.now()
    pick_session_transition(session=session, to=PickSession.Status.CLAIMED, actor=actor, reason="claimed",
                            extra={"picker": actor, "claimed_at": now, "last_activity_at": now})
    for slot in session.slots.all():
        fulfillment_picking_started(fulfillment_order_id=slot.fulfillment_order_id, actor=actor)
    return session


def _assign_totes(session: PickSession) -> None:
    slots = list(session.slots.filter(tote__isnull=True))
    if not slots:
        return
    busy = PickSlot.objects.filter(session__status__in=LIVE_SESSION, tote__isnull=False).values("tote_id")
    holding = BinStock.objects.filter(qty__gt=0).values("bin_id")
    passed_over: set[int] = set()
    for _ in range(5):
        totes = list(
            Bin.objects.filter(warehouse_id=session.warehouse_id, kind=Bin.Kind.TOTE, is_active=True)
            .exclude(pk__in=busy).exclude(pk__in=holding).exclude(pk__in=passed_over).order_by("code")
            # FOR NO KEY UPDATE: claims the tote against another claimer, yet never stalls the ledger rows and
            # bin stock that reference the bin (a plain FOR UPDATE on a Bin row would).
            .select_for_update(skip_locked=True, of=("self",), no_key=True)[: len(slots)]
        )
        # A claimer that committed after this statement's snapshot had released the tote's lock before it was
        # taken here, and the Bin row itself did not change, so PostgreSQL does not re-check it. A fresh read,
        # now that the lock is held, sees that claimer's slot: such a tote is passed over and another taken.
        taken = set(PickSlot.objects.filter(session__status__in=LIVE_SESSION, tote_id__in=[t.pk for t in totes])
                    .exclude(session=session).values_list("tote_id", flat=True))
        if not taken:
            break
        passed_over |= taken
    else:
        raise PickRefused(f"the totes of {session.warehouse.code} are being claimed by others: scan again")
    if len(totes) < len(slots):
        raise PickRefused(f"{len(slots)} empty totes needed, {len(totes)} free in {session.warehouse.code}: empty some at pack-out")
    for slot, tote in zip(slots, totes, strict=True):
        slot.tote = tote
        slot.save(update_fields=["tote"])


@transaction.atomic
def pick_session_release(*, session: PickSession, actor, reason: str = "") -> PickSession:
    """Back to the queue: the picker gives it up, or a manager frees an abandoned one, saying why (kept on
    the session). What was picked stays in its totes and counts; the next picker carries on from the first
    line still to pick."""
    session = PickSession.objects.select_for_update(of=("self",), no_key=True).select_related("picker").get(pk=session.pk)
    if session.status != PickSession.Status.CLAIMED:
        raise Conflict(f"pick session {session} is {session.get_status_display().lower()}, not being picked")
    extra: dict = {"picker": None, "claimed_at": None, "pending_qty": None}
    if session.picker_id != getattr(actor, "pk", None):
        if not may_use(actor, "picking_manage"):
            raise PermissionDenied(f"pick session {session} belongs to {session.picker.get_username()}; a manager may release it")
        reason = clean_reason(reason)
        extra.update(released_at=timezone.now(), released_by=actor_label(actor), release_reason=reason)
    pick_session_transition(session=session, to=PickSession.Status.OPEN, actor=actor,
                            reason=f"released: {reason}" if reason else "released", extra=extra)
    session.lines.filter(status=PickLine.Status.OPEN).update(bin_confirmed=False)
    return session


@transaction.atomic
def pick_session_assign(*, session: PickSession, picker, actor) -> PickSession:
    """A manager hands an open or abandoned session to a named picker."""
    lock_for_fulfillments(PickSlot.objects.filter(session_id=session.pk).values_list("fulfillment_order_id", flat=True))
    session = PickSession.objects.select_for_update(of=("self",), no_key=True).get(pk=session.pk)
    if session.status not in LIVE_SESSION:
        raise Conflict(f"pick session {session} is {session.get_status_display().lower()}")
    if not may_use(picker, "picking"):
        raise PickRefused(f"{picker.get_username()} may not pick: their role has no picking")
    if PICKER not in roles_of(picker):  # a manager may open the station, but a session is handed to a picker
        raise PickRefused(f"{picker.get_username()} is not a picker: only pickers are handed a session")
    _check_picker_in_scope(session, picker)
    if PickSession.objects.filter(warehouse_id=session.warehouse_id, status=PickSession.Status.CLAIMED, picker=picker).exclude(pk=session.pk).exists():
        raise Conflict(f"{picker.get_username()} is already picking another session")
    if session.status == PickSession.Status.OPEN:
        _assign_totes(session)
    now = timezone.now()
    handover = {"picker": picker, "claimed_at": now, "last_activity_at": now, "pending_qty": None}
    if session.status == PickSession.Status.CLAIMED:  # from one picker to another: the status stays
        for name, value in handover.items():
            setattr(session, name, value)
        session.save(update_fields=list(handover))
    else:
        pick_session_transition(session=session, to=PickSession.Status.CLAIMED, actor=actor,
                                reason=f"assigned to {picker.get_username()}", extra=handover)
    session.lines.filter(status=PickLine.Status.OPEN).update(bin_confirmed=False)
    for slot in session.slots.all():
        fulfillment_picking_started(fulfillment_order_id=slot.fulfillment_order_id, actor=actor)
    return session


def _check_picker_in_scope(session: PickSession, picker) -> None:
    """A picker limited to some warehouses or merchants is handed only a session of their warehouse whose orders
    are all of their merchants: a manager cannot send work outside the picker's scope."""
    if not actor_in_scope(picker, warehouse_id=session.warehouse_id):
        raise PickRefused(f"{picker.get_username()} does not work in warehouse {session.warehouse.code}")
    merchant_ids = set(PickSlot.objects.filter(session_id=session.pk)
                       .values_list("fulfillment_order__order__merchant_id", flat=True))
    if any(not actor_in_scope(picker, merchant_id=merchant_id) for merchant_id in sorted(merchant_ids)):
        raise PickRefused(f"{picker.get_username()} may not pick orders of every merchant in {session}")


@service_atomic
def pick_scan(*, session: PickSession, raw: str, actor, _locked_session: bool = False) -> StationReply:
    """One scan at the pick station: the bin, the item, `x3` before the item for multiples, or a command
    (CMD:EMPTY / CMD:SHORT / CMD:DAMAGED opens a pick failure, CMD:RELEASE gives the session back).
    (`_locked_session`: the caller locked `session` in this transaction as `pick_station_scan` does.)

    An item scan is a handful of statements: the session's and the line's locks (the line read with what the
    panel shows and its reservation), `stock_pick`, the line's and the session's UPDATE."""
    from warehouse.outbound.services.pick_failures import pick_fail, pick_fail_lock

    scope: FailureScope | None = None
    if not _locked_session and _is_failure_command(raw) and (pending := current_line(session)):
        # A failure changes other pickers' sessions and reports to the OMS: it locks the orders, then every
        # session and line it may change (this one among them), in the global order, before anything else.
        scope = pick_fail_lock(line=pending, actor=actor)
        session = scope.session
    elif not _locked_session:
        session = _locked_own_session(session, actor)
    line = _current_line_locked(session)
    if line is None:
        pick_session_finish_if_done(session)
        return StationReply(True, "Session picked: take the cart to pack-out", {"done": True})
    scan = parse_scan(raw)
    session.last_activity_at = timezone.now()
    if scan.is_product:
        return _pick_item(session, line, scan, actor)
    session.save(update_fields=["last_activity_at"])
    if scan.kind == ScanKind.COMMAND and scan.code == "RELEASE":
        pick_session_release(session=session, actor=actor)
        return StationReply(True, "Session given back to the queue", {"released": True})
    if scan.kind == ScanKind.COMMAND and scan.code in FAILURE_COMMANDS:
        if scope is None or scope.line.pk != line.pk:
            # The line to pick changed between the first look and the locks (another picker's report re-sourced
            # into this session): the failure's locks were taken for another line.
            raise PickRefused(f"the pick list just changed: now {line.remaining} x {line.product.sku} at {line.bin.code}; "
                              "scan the bin and report again")
        found = session.pending_qty or 0
        outcome = pick_fail(line=line, kind=FAILURE_COMMANDS[scan.code], found_qty=found, actor=actor, _scope=scope)
        return _after(session, StationReply(True, outcome.message, {"discrepancy_id": outcome.discrepancy.pk, "failure": True}))
    if scan.kind == ScanKind.QTY:
        if scan.qty > line.remaining:
            raise PickRefused(f"over-scan: {line.remaining} x {line.product.sku} left on this line, not {scan.qty}")
        session.pending_qty = scan.qty
        session.save(update_fields=["pending_qty"])
        return StationReply(True, f"Quantity {scan.qty}: now scan the item", {"pending_qty": scan.qty})
    if scan.kind == ScanKind.BIN:
        if scan.code != line.bin.code:
            raise PickRefused(f"wrong bin {scan.code}: go to {line.bin.code}")
        session.lines.filter(status=PickLine.Status.OPEN, bin=line.bin).update(bin_confirmed=True)
        return StationReply(True, f"At {line.bin.code}: scan {line.remaining} x {line.product.sku}", {"bin": line.bin.code})
    raise PickRefused(f"scan bin {line.bin.code}, then the item")


def _pick_item(session: PickSession, line: PickLine, scan, actor) -> StationReply:
    """An item scanned at the line's bin: the units move to the slot's tote. The session's activity time is
    saved with the confirm's own UPDATE of the session."""
    if not line.bin_confirmed:
        raise PickRefused(f"scan bin {line.bin.code} first")
    units = scan_units(scan, line.product)  # a case GTIN picks the whole case
    if not units:
        raise PickRefused(f"wrong item: this pick is {line.product.sku} ({line.product.name})")
    if scan.lot and line.lot and scan.lot != line.lot:
        raise PickRefused(f"wrong lot {scan.lot}: take lot {line.lot} (first to expire)")
    qty = (session.pending_qty or (scan.count or 1)) * units
    changed = pick_line_sync(line, actor=actor, fresh=True)  # the reservation was read with the locked line
    if changed:
        session.pending_qty = None
        session.save(update_fields=["last_activity_at", "pending_qty"])
        return _after(session, StationReply(False, changed, {"code": OrderChanged.code}))
    line = _confirm_locked(session, line, qty, actor, session_fields=("last_activity_at",))
    slot = line.slot
    left = f"{line.remaining} more" if line.remaining else "line done"
    reply = StationReply(
        True, f"Put {qty} x {line.product.sku} in slot {slot.slot} ({slot.tote.code}): {left}",
        {"picked": qty, "slot": slot.slot, "tote": slot.tote.code, "line_id": line.pk},
    )
    if session.status == PickSession.Status.DONE:  # the confirm finished the session when its last line was done
        reply.message += ". Session picked: take the cart to pack-out"
        reply.data["done"] = True
        return reply
    # The station's next screen from what is in hand: the same line while units are left, else the next one.
    counted: Any = line  # read by `_current_line_locked` with the session's progress
    done = counted.progress_done + (line.status != PickLine.Status.OPEN)
    reply.panel = {"session": session, "line": line if line.remaining else current_line(session),
                   "progress": {"total": counted.progress_total, "done": done}}
    return reply


@service_atomic
def pick_confirm(*, line: PickLine, qty: int, actor, _locked_session: PickSession | None = None) -> PickLine:
    """Move `qty` units of the line from its bin to its slot's tote, consuming the reservation.
    (`_locked_session`: the caller already holds the session's lock in this transaction.)"""
    session = _locked_session or _locked_own_session(line.session, actor)
    line = PickLine.objects.select_for_update(of=("self",), no_key=True).select_related("reservation", "bin", "product", "slot__tote").get(pk=line.pk)
    return _confirm_locked(session, line, qty, actor)


def _confirm_locked(session: PickSession, line: PickLine, qty: int, actor, *, session_fields: tuple[str, ...] = ()) -> PickLine:
    """The confirm on a session and a line (read with its reservation) this transaction has locked; saves
    `session_fields` with the session's own change."""
    if line.session_id != session.pk or line.status != PickLine.Status.OPEN:
        raise PickRefused(f"pick line {line.pk} is not open in this session")
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise PickRefused(f"quantity must be a whole number above 0, got {qty!r}")
    if qty > line.remaining:
        raise PickRefused(f"over-scan: {line.remaining} x {line.product.sku} left on this line, not {qty}")
    if not line.bin_confirmed:
        raise PickRefused(f"scan bin {line.bin.code} first")
    reservation = line.reservation  # read with the locked line, so current
    if reservation.qty < qty:
        raise OrderChanged(f"order changed: only {reservation.qty} x {line.product.sku} still wanted here")
    if reservation.product_id == line.product_id:
        reservation.product = line.product  # in hand: the stock operation needs not read it again
    stock_pick(
        reservation=reservation, from_bin=line.bin, to_bin=line.slot.tote, qty=qty, actor=actor,
        lot=line.lot or None, reference=f"pick:{session.pk}",
    )
    line.picked_qty += qty
    if line.remaining == 0:
        pick_line_transition(line=line, to=PickLine.Status.PICKED, actor=actor, extra={"picked_qty": line.picked_qty})
    else:
        line.save(update_fields=["picked_qty"])
    session.pending_qty = None
    session.save(update_fields=["pending_qty", *session_fields])
    if line.remaining == 0:  # an open line left means the session is not done: no need to look
        pick_session_finish_if_done(session)
    return line


def pick_line_sync(line: PickLine, *, actor=None, fresh: bool = False) -> str:
    """Shorten an open line to what its order still wants (cancelled or edited after the wave was
    planned). Returns what changed, in words, or "" when nothing did. (`fresh`: the line's reservation was
    read with the line's lock in this transaction.)"""
    reservation = line.reservation
    if not fresh:
        reservation.refresh_from_db()
    if reservation.qty >= line.remaining:
        return ""
    _cancel_rest(line, actor=actor)
    return f"order changed: only {reservation.qty} x {line.product.sku} still wanted here; line updated, carry on"


def _cancel_rest(line: PickLine, *, actor) -> None:
    still_wanted = min(line.remaining, max(line.reservation.qty, 0))
    done = line.picked_qty + line.failed_qty
    reason = "order changed after planning"
    if still_wanted:
        line.qty = done + still_wanted
        line.save(update_fields=["qty"])
    elif done:
        to = PickLine.Status.PICKED if line.picked_qty else PickLine.Status.FAILED
        pick_line_transition(line=line, to=to, actor=actor, reason=reason, extra={"qty": done})
    else:
        pick_line_transition(line=line, to=PickLine.Status.CANCELLED, actor=actor, reason=reason)


def _after(session: PickSession, reply: StationReply) -> StationReply:
    if session.status == PickSession.Status.DONE or pick_session_finish_if_done(session):
        reply.message += ". Session picked: take the cart to pack-out"
        reply.data["done"] = True
    return reply


def pick_session_finish_if_done(session: PickSession) -> bool:
    """Nothing left to pick: the session is done (and its wave, when it was the last)."""
    if session.status == PickSession.Status.DONE:
        return True
    if session.lines.filter(status=PickLine.Status.OPEN).exists():
        return False
    pick_session_transition(session=session, to=PickSession.Status.DONE, actor=None, reason="nothing left to pick",
                            extra={"completed_at": timezone.now(), "pending_qty": None})
    _report_picked(session)
    wave = Wave.objects.select_for_update(of=("self",), no_key=True).get(pk=session.wave_id)
    if not wave.sessions.filter(status__in=LIVE_SESSION).exists() and wave.status == Wave.Status.OPEN:
        wave_transition(wave=wave, to=Wave.Status.DONE, actor=None, reason="every session picked",
                        extra={"completed_at": timezone.now()})
    return True


def _report_picked(session: PickSession) -> None:
    """Tell the OMS what the finished session picked, per fulfillment order (the order.picked events)."""
    picked: dict[int, dict[int, int]] = {}
    rows = session.lines.filter(picked_qty__gt=0).values_list("slot__fulfillment_order_id", "order_line_id", "picked_qty")
    for fulfillment_id, order_line_id, qty in rows.order_by("slot__fulfillment_order_id", "order_line_id"):
        per_line = picked.setdefault(fulfillment_id, {})
        per_line[order_line_id] = per_line.get(order_line_id, 0) + qty
    for fulfillment_id, lines in picked.items():
        fulfillment_picked(fulfillment_order_id=fulfillment_id, picked=lines, session=str(session))


def _is_failure_command(raw: str) -> bool:
    """As `pick_scan` will read it (the one parser), so a failure always takes its locks first."""
    try:
        scan = parse_scan(raw)
    except ScanError:
        return False
    return scan.kind == ScanKind.COMMAND and scan.code in FAILURE_COMMANDS


def _current_line_locked(session: PickSession) -> PickLine | None:
    """`current_line`, locked, read with its reservation (under the session's lock) and the session's progress
    as the station shows it (`progress_total` lines not cancelled, `progress_done` picked or failed)."""
    return (
        session.lines.filter(status=PickLine.Status.OPEN).select_for_update(of=("self",), no_key=True)
        .select_related("reservation", "bin", "product", "slot__tote")
        .annotate(slot_order_number=slot_order_number(), progress_total=_session_lines(~Q(status=PickLine.Status.CANCELLED)),
                  progress_done=_session_lines(Q(status__in=[PickLine.Status.PICKED, PickLine.Status.FAILED])))
        .order_by("sequence", "id").first()
    )


def _session_lines(condition: Q):
    counted = (PickLine.objects.filter(condition, session_id=OuterRef("session_id")).order_by()
               .values("session_id").annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(counted), 0)


def _locked_own_session(session: PickSession, actor) -> PickSession:
    session = PickSession.objects.select_for_update(of=("self",), no_key=True).select_related("warehouse", "picker").get(pk=session.pk)
    if session.status != PickSession.Status.CLAIMED:
        raise PickRefused(f"pick session {session} is {session.get_status_display().lower()}: take a session first")
    if session.picker_id != getattr(actor, "pk", None):
        raise PickRefused(f"pick session {session} belongs to {session.picker.get_username()}")
    return session


@service_atomic
def pick_station_scan(*, warehouse: Warehouse, raw: str, actor) -> StationReply:
    """The station's one input: Enter (or CMD:NEXT) takes the next session; with one claimed, scans go to it."""
    mine = PickSession.objects.filter(warehouse=warehouse, status=PickSession.Status.CLAIMED, picker=actor)
    if _is_failure_command(raw):  # a failure reports to the OMS: pick_scan locks the orders before the session
        session, locked = mine.first(), False
    else:  # found and locked at once
        session = mine.select_for_update(of=("self",), no_key=True).select_related("warehouse", "picker").first()
        locked = True
    if session is not None:
        reply = pick_scan(session=session, raw=raw, actor=actor, _locked_session=locked)
        reply.data["session_id"] = session.pk
        return reply
    text = (raw or "").strip().upper()
    if text not in ("", "CMD:NEXT"):
        raise PickRefused("press Enter to take the next pick session")
    session = pick_claim_next(warehouse=warehouse, actor=actor)
    if session is None:
        return StationReply(False, f"No pick session waiting in {warehouse.code}", {"code": "no_session"})
    line = current_line(session)
    where = f"go to {line.bin.code}" if line else "nothing left to pick"
    return StationReply(True, f"Session {session} claimed ({session.slots.count()} order(s)): {where}", {"session_id": session.pk})
