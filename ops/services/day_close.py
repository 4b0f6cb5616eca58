"""End of day per warehouse, at its cut-off in its own time zone: every carrier's manifest closed (the cartons
ship), stale reservations given back, and a report for the managers: shipped today, missed the cut-off,
exceptions, and the work left open (waves, pick sessions, totes still holding stock), which is listed, not
closed. Run once per warehouse and local date (`DayClose`, unique), by the beat job after the cut-off or by a
manager before it.

Each step is its own short transaction through the owning app's service (`manifest_close`, `stock_release`);
nothing here calls the network, and the report mail is sent after the close is recorded."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from core import roles
from core.actors import actor_label
from core.errors import Conflict, DomainError
from core.timefmt import iso_dt
from inventory.models import BinStock, Reservation
from inventory.services.reservations import stock_release
from inventory.tenancy import actor_in_scope
from layout.models import Bin, Warehouse
from ops.models import DayClose
from ops.state import DAY_CLOSE
from orders.locks import lock_order_fulfillments
from orders.models import FulfillmentOrder, Order, OrderLine
from shipping.models import Shipment
from warehouse.models import PickSession, Wave
from warehouse.outbound.services.manifests import manifest_close

log = logging.getLogger(__name__)
D = DayClose.Status
FO = FulfillmentOrder.Status
# A run that has said nothing for this long died (a killed worker): the next run takes the day over.
STALE_RUN = dt.timedelta(minutes=15)
CLOSED_FULFILLMENT = (FO.CANCELLED, FO.SHIPPED)
CLOSED_ORDER = (Order.Status.CANCELLED, Order.Status.SHIPPED, Order.Status.DELIVERED)


@dataclass(frozen=True)
class LocalDay:
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    cutoff: dt.datetime


def local_day(warehouse: Warehouse, now: dt.datetime | None = None) -> LocalDay:
    zone = ZoneInfo(warehouse.timezone or "UTC")
    local = (now or timezone.now()).astimezone(zone)
    day = local.date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return LocalDay(day, start, end, dt.datetime.combine(day, warehouse.order_cutoff, tzinfo=zone))


def warehouses_due(now: dt.datetime | None = None) -> list[Warehouse]:
    """Active warehouses past today's cut-off (their local time) whose day is not closed yet."""
    now = now or timezone.now()
    due = []
    for warehouse in Warehouse.objects.filter(is_active=True).order_by("pk"):
        today = local_day(warehouse, now)
        if now >= today.cutoff and not DayClose.objects.filter(warehouse=warehouse, day=today.day, status=D.DONE).exists():
            due.append(warehouse)
    return due


def day_closes_run_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The beat job: close every warehouse that is due. One warehouse failing does not stop the others."""
    result = {"closed": 0, "failed": 0}
    for warehouse in warehouses_due(now):
        try:
            if day_close_run(warehouse=warehouse, actor="beat", now=now) is not None:
                result["closed"] += 1
        except Exception:
            log.exception("day close of %s failed", warehouse.code)
            result["failed"] += 1
    since = (now or timezone.now()) - dt.timedelta(days=1)
    for close in DayClose.objects.filter(status=D.DONE, emailed_at__isnull=True, finished_at__gte=since).order_by("pk"):
        try:
            day_close_email(close=close)
        except Exception:
            log.exception("mailing the end-of-day report %s failed", close.pk)
    return result


def day_close_run(*, warehouse: Warehouse, actor, now: dt.datetime | None = None) -> DayClose | None:
    """Close the warehouse's current local day. Returns the close, or None when the day is already closed or
    another run is closing it. A manager may run it before the cut-off."""
    if not actor_in_scope(actor, warehouse_id=warehouse.pk):
        raise Conflict("this warehouse is outside your scope")
    today = local_day(warehouse, now)
    close = _begin(warehouse, today.day, actor)
    if close is None:
        return None
    try:
        manifests = _close_manifests(warehouse, actor)
        released = _release_stale_reservations(warehouse, actor)
        report = day_report(warehouse=warehouse, today=today, manifests=manifests, released=released)
    except Exception as exc:
        _finish(close.pk, D.FAILED, problem=str(exc)[:500])
        raise
    close = _finish(close.pk, D.DONE, report=report)
    try:
        day_close_email(close=close)
    except Exception:  # the day is closed; the next beat run mails it again
        log.exception("mailing the end-of-day report of %s failed", warehouse.code)
    return close


def _begin(warehouse: Warehouse, day: dt.date, actor) -> DayClose | None:
    now = timezone.now()
    user = actor if getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            return DayClose.objects.create(warehouse=warehouse, day=day, started_at=now, closed_by=user)
    except IntegrityError:
        pass  # this day was begun before (or at this very moment by another run)
    with transaction.atomic():
        close = DayClose.objects.select_for_update(of=("self",), no_key=True).get(warehouse=warehouse, day=day)
        if close.status == D.DONE or (close.status == D.RUNNING and close.started_at > now - STALE_RUN):
            return None
        if close.status == D.FAILED:
            DAY_CLOSE.apply(close, D.RUNNING, extra={"started_at": now, "closed_by": user, "problem": ""})
        else:  # a run that died: take it over
            close.started_at, close.closed_by = now, user
            close.save(update_fields=["started_at", "closed_by"])
        return close


def _finish(close_id: int, status: str, *, report: dict | None = None, problem: str = "") -> DayClose:
    with transaction.atomic():
        close = DayClose.objects.select_for_update(of=("self",), no_key=True).get(pk=close_id)
        extra: dict = {"finished_at": timezone.now(), "problem": problem}
        if report is not None:
            extra["report"] = report
        DAY_CLOSE.apply(close, status, extra=extra)
    return close


def _close_manifests(warehouse: Warehouse, actor) -> list[dict]:
    carriers = sorted(set(Shipment.objects.filter(warehouse=warehouse, status=Shipment.Status.LABELLED)
                          .values_list("carrier", flat=True)))
    closed = []
    for carrier in carriers:
        try:
            manifest = manifest_close(warehouse=warehouse, carrier=carrier, actor=actor)
        except DomainError as exc:
            closed.append({"carrier": carrier, "manifest": None, "cartons": 0, "problem": exc.message})
            continue
        closed.append({"carrier": carrier, "manifest": manifest.pk, "cartons": manifest.shipments.count(), "problem": ""})
    return closed


# --- stale reservations ------------------------------------------------------------------------------------------


def stale_reason(*, line: OrderLine | None, fulfillments: list[FulfillmentOrder]) -> str:
    """Why a reservation of an order line at a warehouse has no live owner, or "" when it has one: the line is
    gone, every fulfillment order of it at the warehouse is cancelled or shipped, or there is none and the
    order itself is over. Anything else (allocated, released, in a wave, picking, packed, a cancel still
    running) is live and keeps its units."""
    if line is None:
        return "order line no longer exists"
    if fulfillments:
        if all(f.status in CLOSED_FULFILLMENT for f in fulfillments):
            return "fulfillment order " + ", ".join(f"{f.pk} {f.status}" for f in fulfillments)
        return ""
    if line.order.status in CLOSED_ORDER:
        return f"order {line.order.order_number} {line.order.status}"
    return ""


def stale_reservation_candidates(warehouse: Warehouse):
    """Reservations with units still to pick whose owner may be gone; each is checked again under its locks."""
    live_fulfillment = FulfillmentOrder.objects.filter(warehouse_id=warehouse.pk).exclude(status__in=CLOSED_FULFILLMENT)
    live_lines = OrderLine.objects.filter(
        Q(order__in=live_fulfillment.values("order_id"))
        | (~Q(order__status__in=CLOSED_ORDER) & ~Q(order__fulfillment_orders__warehouse_id=warehouse.pk))
    )
    # Order lines only: kit work orders and transfers reserve under negative keys, owned by their own flows.
    return (Reservation.objects.filter(warehouse=warehouse, qty__gt=0, order_line_id__gt=0)
            .exclude(order_line_id__in=live_lines.values("pk")).order_by("pk"))


def _release_stale_reservations(warehouse: Warehouse, actor) -> list[dict]:
    released = []
    for reservation_id in list(stale_reservation_candidates(warehouse).values_list("pk", flat=True)):
        entry = _release_if_stale(reservation_id, warehouse, actor)
        if entry:
            released.append(entry)
    return released


@transaction.atomic
def _release_if_stale(reservation_id: int, warehouse: Warehouse, actor) -> dict | None:
    reservation = Reservation.objects.select_related("product").get(pk=reservation_id)
    line = OrderLine.objects.select_related("order").filter(pk=reservation.order_line_id).first()
    fulfillments: list[FulfillmentOrder] = []
    if line is not None:
        order, every = lock_order_fulfillments(line.order_id)  # the house order: order, its fulfillments, then stock
        line.order = order
        fulfillments = [f for f in every if f.warehouse_id == warehouse.pk]
    why = stale_reason(line=line, fulfillments=fulfillments)
    if not why:
        return None
    result = stock_release(reservation=reservation, actor=actor, reason=f"end of day: {why}")
    if not result.qty:
        return None
    return {"reservation": reservation.pk, "sku": reservation.product.sku, "order_line": reservation.order_line_id,
            "qty": result.qty, "why": why}


# --- the report --------------------------------------------------------------------------------------------------


def day_report(*, warehouse: Warehouse, today: LocalDay, manifests: list[dict], released: list[dict]) -> dict:
    window = Q(shipped_at__gte=today.start, shipped_at__lt=today.end)
    cartons = Shipment.objects.filter(window, warehouse=warehouse).exclude(shipped_at__isnull=True)
    shipped_fulfillments = FulfillmentOrder.objects.filter(window, warehouse=warehouse, status=FO.SHIPPED)
    missed = (FulfillmentOrder.objects.filter(warehouse=warehouse, ship_by__lt=today.end)
              .exclude(status__in=CLOSED_FULFILLMENT).select_related("order").order_by("ship_by", "pk")[:500])
    exceptions = (Shipment.objects.filter(warehouse=warehouse)
                  .filter(Q(status=Shipment.Status.EXCEPTION, updated_at__gte=today.start)
                          | (Q(status=Shipment.Status.AWAITING_LABEL) & ~Q(problem="")))
                  .select_related("fulfillment_order__order").order_by("pk")[:500])
    waves = (Wave.objects.filter(warehouse=warehouse, status=Wave.Status.OPEN)
             .annotate(live=Count("sessions", filter=Q(sessions__status__in=[PickSession.Status.OPEN,
                                                                                PickSession.Status.CLAIMED])))
             .order_by("pk"))
    sessions = (PickSession.objects.filter(warehouse=warehouse, status__in=[PickSession.Status.OPEN, PickSession.Status.CLAIMED])
                .select_related("picker", "zone").order_by("pk"))
    totes = (BinStock.objects.filter(warehouse=warehouse, qty__gt=0, bin__kind__in=Bin.MOBILE_KINDS)
             .values("bin__code").annotate(units=Sum("qty"), skus=Count("product", distinct=True)).order_by("bin__code"))
    return {
        "warehouse": warehouse.code,
        "day": today.day.isoformat(),
        "timezone": warehouse.timezone,
        "cutoff": iso_dt(today.cutoff),
        "manifests": manifests,
        "shipped": {"fulfillments": shipped_fulfillments.count(), "cartons": cartons.count()},
        "missed_cutoff": [{"fulfillment": f.pk, "order": f.order.order_number, "status": f.status,
                           "ship_by": iso_dt(f.ship_by)} for f in missed],
        "exceptions": [{"shipment": s.pk, "order": s.document_label, "status": s.status,
                        "tracking": s.tracking_number or "", "problem": s.problem} for s in exceptions],
        "open_waves": [{"wave": w.pk, "created_at": iso_dt(w.created_at), "open_sessions": w.live} for w in waves],
        "open_sessions": [{"session": s.pk, "wave": s.wave_id, "status": s.status,
                           "picker": actor_label(s.picker) if s.picker else "", "zone": s.zone.code if s.zone else ""}
                          for s in sessions],
        "released_reservations": released,
        "totes_with_stock": [{"tote": t["bin__code"], "units": t["units"], "skus": t["skus"]} for t in totes],
    }


def report_text(close: DayClose) -> str:
    r = close.report
    lines = [f"End of day {r['day']} at {r['warehouse']} ({r['timezone']})", "",
             f"Shipped: {r['shipped']['fulfillments']} fulfillment orders, {r['shipped']['cartons']} cartons"]
    lines += [f"  manifest {m['carrier']}: " + (f"M-{m['manifest']}, {m['cartons']} cartons" if m["manifest"] else m["problem"])
              for m in r["manifests"]]
    lines.append(f"Missed the cut-off: {len(r['missed_cutoff'])}")
    lines += [f"  {m['order']} ({m['status']}, ship by {m['ship_by']})" for m in r["missed_cutoff"][:50]]
    lines.append(f"Exceptions: {len(r['exceptions'])}")
    lines += [f"  {e['order']}: {e['status']} {e['tracking']} {e['problem']}".rstrip() for e in r["exceptions"][:50]]
    lines.append(f"Open waves: {len(r['open_waves'])}; open pick sessions: {len(r['open_sessions'])}")
    lines += [f"  session {s['session']} of wave {s['wave']}: {s['status']} {s['picker']}".rstrip() for s in r["open_sessions"][:50]]
    lines.append(f"Totes still holding stock: {len(r['totes_with_stock'])}")
    lines += [f"  {t['tote']}: {t['units']} units" for t in r["totes_with_stock"][:50]]
    lines.append(f"Stale reservations released: {len(r['released_reservations'])}")
    lines += [f"  {x['sku']} x{x['qty']} (line {x['order_line']}): {x['why']}" for x in r["released_reservations"][:50]]
    return "\n".join(lines)


def day_close_email(*, close: DayClose) -> int:
    """Mail the report to the warehouse's managers (with an address, within scope); once per close."""
    if close.emailed_at is not None or close.status != D.DONE:
        return 0
    managers = (get_user_model().objects.filter(is_active=True, groups__name=roles.WAREHOUSE_MANAGER).exclude(email="")
                .order_by("pk").distinct())
    emails = sorted({user.email for user in managers if actor_in_scope(user, warehouse_id=close.warehouse_id)})
    if emails:
        r = close.report
        send_mail(subject=f"[WMS] End of day {r['day']} at {r['warehouse']}", message=report_text(close),
                  from_email=None, recipient_list=emails)
    close.emailed_at = timezone.now()
    DayClose.objects.filter(pk=close.pk, emailed_at__isnull=True).update(emailed_at=close.emailed_at)
    return len(emails)
