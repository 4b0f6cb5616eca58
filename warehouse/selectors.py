from django.db.models import Count, Q, QuerySet

from inventory.models.tenancy import staff_scope_q
from inventory.tenancy import staff_scoped
from layout.models import Bin, Warehouse
from orders.models import FulfillmentOrder
from shipping.models import Manifest, Shipment
from warehouse.models import CountTask, Discrepancy, Pack, PickSession, PutawayTask, Receipt, ReceivingException


def warehouses_with_counts() -> QuerySet[Warehouse]:
    return Warehouse.objects.annotate(bin_count=Count("bins", distinct=True), zone_count=Count("zones", distinct=True))


def bins_of(warehouse: Warehouse) -> QuerySet[Bin]:
    return Bin.objects.filter(warehouse=warehouse).select_related("zone", "warehouse")


def dock_to_stock_summary(*, warehouse=None, days: int = 7) -> dict:
    """Median and worst dock-to-stock time of receipts stocked in the last `days`, and how many
    missed the warehouse's dock-to-stock SLA."""
    import datetime as dt
    import statistics

    from django.utils import timezone

    receipts = Receipt.objects.filter(stocked_at__gte=timezone.now() - dt.timedelta(days=days),
                                      dock_to_stock_seconds__isnull=False).select_related("warehouse")
    if warehouse is not None:
        receipts = receipts.filter(warehouse=warehouse)
    seconds = [(r.dock_to_stock_seconds, r.warehouse.sla_dock_to_stock_hours * 3600) for r in receipts]
    if not seconds:
        return {"count": 0}
    values = [s for s, _ in seconds]
    return {
        "count": len(values),
        "median_hours": round(statistics.median(values) / 3600, 2),
        "max_hours": round(max(values) / 3600, 2),
        "late": sum(1 for s, sla in seconds if s > sla),
        "days": days,
    }


# --- documents of the floor, within a staff user's scope (StaffScope: merchants and warehouses) -----------------

def shipments_visible_to(user) -> QuerySet[Shipment]:
    """An order's labels by its merchant; a transfer parcel's by the transfer's merchant and both its buildings."""
    order = Q(purpose=Shipment.Purpose.ORDER) & staff_scope_q(user, merchant="fulfillment_order__order__merchant_id")
    transfer = (Q(purpose=Shipment.Purpose.TRANSFER)
                & staff_scope_q(user, merchant="merchant_id", warehouse="destination_id"))
    return staff_scoped(Shipment.objects.filter(order | transfer), user, warehouse="warehouse_id")


def fulfillments_visible_to(user) -> QuerySet[FulfillmentOrder]:
    return staff_scoped(FulfillmentOrder.objects.select_related("order__merchant", "warehouse"), user,
                        merchant="order__merchant_id", warehouse="warehouse_id")


def manifests_visible_to(user) -> QuerySet[Manifest]:
    return staff_scoped(Manifest.objects.all(), user, warehouse="warehouse_id")


# --- work of the floor that staff act on by id: an id outside the scope answers 404, like a missing one ----------

def receipts_visible_to(user, rows: QuerySet[Receipt] | None = None) -> QuerySet[Receipt]:
    return staff_scoped(Receipt.objects.all() if rows is None else rows, user, merchant="purchase_order__merchant_id", warehouse="warehouse_id")


def receiving_exceptions_visible_to(user, rows: QuerySet[ReceivingException] | None = None) -> QuerySet[ReceivingException]:
    return staff_scoped(ReceivingException.objects.all() if rows is None else rows, user, merchant="receipt__purchase_order__merchant_id",
                        warehouse="receipt__warehouse_id")


def putaway_tasks_visible_to(user, rows: QuerySet[PutawayTask] | None = None) -> QuerySet[PutawayTask]:
    return staff_scoped(PutawayTask.objects.all() if rows is None else rows, user, merchant="product__merchant_id", warehouse="warehouse_id")


def pick_sessions_visible_to(user, rows: QuerySet[PickSession] | None = None) -> QuerySet[PickSession]:
    """A pick session is a warehouse's work (one session may pick several merchants' orders)."""
    return staff_scoped(PickSession.objects.all() if rows is None else rows, user, warehouse="warehouse_id")


def discrepancies_visible_to(user, rows: QuerySet[Discrepancy] | None = None) -> QuerySet[Discrepancy]:
    return staff_scoped(Discrepancy.objects.all() if rows is None else rows, user, merchant="product__merchant_id", warehouse="warehouse_id")


def count_tasks_visible_to(user, rows: QuerySet[CountTask] | None = None) -> QuerySet[CountTask]:
    return staff_scoped(CountTask.objects.all() if rows is None else rows, user, merchant="product__merchant_id", warehouse="warehouse_id")


def packs_visible_to(user, rows: QuerySet[Pack] | None = None) -> QuerySet[Pack]:
    return staff_scoped(Pack.objects.all() if rows is None else rows, user, merchant="fulfillment_order__order__merchant_id",
                        warehouse="warehouse_id")
