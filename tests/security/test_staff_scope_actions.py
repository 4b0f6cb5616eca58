"""Staff limited to some merchants and warehouses (StaffScope) act only on those: every URL that names an object
(an id or a warehouse code in the path) is declared below with how to build an object outside a scoped staff
member's reach and the refusal expected (404 like a missing id, or 403), and each is requested (POST and GET) as
such a staff member: every one refuses and nothing changes.

A URL with an object id that is not declared fails `test_every_url_with_an_object_id_is_declared`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from core import roles
from inventory.models import KitWorkOrder, StaffScope
from inventory.services.kits import KitComponent, kit_work_order_create
from layout.models import Bin, Zone
from ops.models import Notification
from orders.models import InboxDelivery, OutboxMessage, StockPush
from returns.models import FlushBatch, ReturnParcel, ReturnUnit
from shipping.models import Shipment
from tests.factories import BinFactory, ProductFactory, UserFactory, WarehouseFactory, ZoneFactory
from tests.portal.world import World, build_world
from warehouse.models import (
    Carton,
    CountTask,
    Discrepancy,
    Pack,
    PickFace,
    PickSession,
    PutawayTask,
    ReceivingException,
    ReplenishmentTask,
    TransferOrder,
    Wave,
)
from warehouse.services.transfers import TransferLineInput, transfer_create

pytestmark = pytest.mark.django_db

# Path parameters that name an object (an id, or a warehouse by its code); the others choose a word.
OBJECT_PARAMS = {"pk", "order_pk", "channel_id", "code"}
MERCHANT, WAREHOUSE = "merchant", "warehouse"  # which side of the scope leaves the object out


@dataclass
class Floor:
    """Merchant B's work in the shared warehouse (out of reach of staff limited to merchant A), and work of the
    shared warehouse itself (out of reach of staff limited to another warehouse)."""

    world: World
    exception: ReceivingException
    putaway: PutawayTask
    session: PickSession
    discrepancy: Discrepancy
    count: CountTask
    pack: Pack
    shipment: Shipment
    delivery: InboxDelivery
    message: OutboxMessage
    push: StockPush
    parcel: ReturnParcel
    unit: ReturnUnit
    batch: FlushBatch
    notification: Notification
    pack_bin: Bin
    kit: KitWorkOrder
    face: PickFace
    replenishment: ReplenishmentTask
    transfer: TransferOrder


@dataclass(frozen=True)
class Declared:
    kwargs: Callable[[Floor], dict]  # the out-of-scope object's URL parameters
    scope: str | tuple[str, ...] = MERCHANT  # the staff member(s) the object is out of reach of
    methods: tuple[str, ...] = ("post", "get")
    data: dict | Callable[[Floor], dict] = field(default_factory=dict)  # a body accepted for an object in scope
    expect: tuple[int, ...] = (404,)


def _pk(path: str) -> Callable[[Floor], dict]:
    def build(floor: Floor) -> dict:
        value: object = floor
        for part in path.split("."):
            value = getattr(value, part)
        return {"pk": value}

    return build


def _code(floor: Floor) -> dict:
    return {"code": floor.world.site.warehouse.code}


def _b(path: str) -> Callable[[Floor], dict]:
    return _pk(f"world.b.{path}")


ORDER = _b("order.pk")
RMA = _b("rma.pk")
BOTH = (MERCHANT, WAREHOUSE)  # merchant B's work in the shared warehouse: out of reach of either scoped staff member
PORTAL = (403,)  # merchant pages: staff are refused the portal (it is for merchant users); nothing is read

DECLARED: dict[str, Declared] = {
    # portal (merchant users only)
    "portal:order_detail": Declared(ORDER, expect=PORTAL),
    "portal:return_new": Declared(lambda f: {"order_pk": f.world.b.order.pk}, expect=PORTAL),
    "portal:inbound_detail": Declared(_b("po.pk"), expect=PORTAL),
    "portal:return_detail": Declared(RMA, expect=PORTAL),
    "portal:recall_detail": Declared(_b("recall.pk"), methods=("get",), expect=PORTAL),
    "portal:recall_orders_csv": Declared(_b("recall.pk"), methods=("get",), expect=PORTAL),
    "portal:webhook_detail": Declared(_b("subscription.pk"), methods=("get",), expect=PORTAL),
    "portal:webhook_action": Declared(lambda f: {"pk": f.world.b.subscription.pk, "action": "rotate"}, methods=("post",),
                                      expect=PORTAL),
    "portal:webhook_delivery_replay": Declared(_b("delivery.pk"), methods=("post",), expect=PORTAL),
    "api-event-subscription-detail": Declared(_b("subscription.pk"), methods=("get", "patch"), data={"active": False}),
    "api-event-subscription-rotate-secret": Declared(_b("subscription.pk"), methods=("post",)),
    "api-event-delivery-replay": Declared(_b("delivery.pk"), methods=("post",)),
    "portal:invoice_detail": Declared(_b("invoice.pk"), methods=("get",), expect=PORTAL),
    "portal:invoice_pdf": Declared(_b("invoice.pk"), methods=("get",), expect=PORTAL),
    "portal:invoice_csv": Declared(_b("invoice.pk"), methods=("get",), expect=PORTAL),
    "portal:invoice_line": Declared(_b("invoice_line.pk"), methods=("get",), expect=PORTAL),
    # catalog, orders, inbox and outbox
    "inventory:product_stock": Declared(_b("product.pk")),
    "inventory:bundle_components_edit": Declared(_b("product.pk"), methods=("post",),
                                                 data=lambda f: {"sku": f.world.b.product.sku, "action": "remove"}),
    "orders:order_detail": Declared(ORDER),
    "orders:order_action": Declared(ORDER, data={"action": "cancel", "reason": "scope"}),
    "orders:inbox_replay": Declared(_pk("delivery.pk")),
    "orders:inbox_allocate": Declared(ORDER),
    "orders:outbox_retry": Declared(_pk("message.pk")),
    "orders:stock_push_retry": Declared(_pk("push.pk")),
    "api-product-detail": Declared(_b("product.pk"), methods=("patch", "get"), data={"name": "renamed"}),
    "api-product-components": Declared(_b("product.pk"), data=lambda f: {"sku": f.world.b.product.sku, "quantity": 1}),
    "api-order-detail": Declared(ORDER, methods=("get",)),
    "api-order-address": Declared(ORDER, data={"ship_to": {"name": "x"}, "reason": "scope"}),
    "api-order-lines": Declared(ORDER, data={"lines": [], "reason": "scope"}),
    "api-order-service-level": Declared(ORDER, data={"service_level": "express", "reason": "scope"}),
    "api-order-cancel": Declared(ORDER, data={"reason": "scope"}),
    "api-order-hold-place": Declared(ORDER, data={"kind": "manual", "reason": "scope"}),
    "api-order-hold-release": Declared(ORDER, data={"kind": "manual", "reason": "scope"}),
    # kit work orders
    "inventory:kit_work_order_detail": Declared(_pk("kit.pk"), scope=BOTH, methods=("get",)),
    "inventory:kit_work_order_action": Declared(lambda f: {"pk": f.kit.pk, "action": "release"}, scope=BOTH),
    "api-kit-work-order-detail": Declared(_pk("kit.pk"), scope=BOTH, methods=("get",)),
    "api-kit-work-order-action": Declared(lambda f: {"pk": f.kit.pk, "action": "release"}, scope=BOTH),
    # inbound
    "warehouse:po_detail": Declared(_b("po.pk")),
    "warehouse:po_cancel": Declared(_b("po.pk")),
    "warehouse:exception_action": Declared(_pk("exception.pk"), data={"resolution": "accepted"}),
    "warehouse:putaway_task_release": Declared(_pk("putaway.pk")),
    "warehouse:putaway_station": Declared(_code, scope=WAREHOUSE),
    "warehouse:putaway_submit": Declared(_code, scope=WAREHOUSE, data={"scan": "x"}),
    "api-po-detail": Declared(_b("po.pk"), methods=("get",)),
    "api-receipt-detail": Declared(_b("receipt.pk"), methods=("get",)),
    "api-receipt-scan": Declared(_b("receipt.pk"), data={"code": "x"}),
    "api-receipt-close": Declared(_b("receipt.pk")),
    "api-putaway-claim": Declared(_code, scope=WAREHOUSE),
    "api-putaway-scan": Declared(_pk("putaway.pk"), data={"code": "x"}),
    "api-putaway-confirm": Declared(_pk("putaway.pk"), data={"bin": "x"}),
    "api-putaway-release": Declared(_pk("putaway.pk")),
    "api-receiving-exception-resolve": Declared(_pk("exception.pk"), data={"resolution": "accepted"}),
    # picking and waves
    "warehouse:pick_station": Declared(_code, scope=WAREHOUSE),
    # end of day (a warehouse's close-out and its report)
    "ops:day_close_detail": Declared(_code, scope=WAREHOUSE, data={"confirm": "yes"}),
    "warehouse:pick_submit": Declared(_code, scope=WAREHOUSE, data={"scan": "x"}),
    "warehouse:wave_create": Declared(_code, scope=WAREHOUSE),
    "warehouse:release_batch": Declared(_code, scope=WAREHOUSE),
    "warehouse:pick_session_action": Declared(_pk("session.pk"), scope=WAREHOUSE, data={"action": "release"}),
    "warehouse:replenishment_station": Declared(_code, scope=WAREHOUSE),
    "warehouse:replenishment_submit": Declared(_code, scope=WAREHOUSE, data={"scan": "x"}),
    "api-pick-claim": Declared(_code, scope=WAREHOUSE),
    "api-wave-plan": Declared(_code, scope=WAREHOUSE),
    "api-pick-session-detail": Declared(_pk("session.pk"), scope=WAREHOUSE, methods=("get",)),
    "api-pick-session-scan": Declared(_pk("session.pk"), scope=WAREHOUSE, data={"code": "x"}),
    "api-pick-session-confirm": Declared(_pk("session.pk"), scope=WAREHOUSE, data={"qty": 1}),
    "api-pick-session-failure": Declared(_pk("session.pk"), scope=WAREHOUSE, data={"kind": "short"}),
    "api-pick-session-release": Declared(_pk("session.pk"), scope=WAREHOUSE),
    "api-pick-session-assign": Declared(_pk("session.pk"), scope=WAREHOUSE, data={"picker": 1}),
    # replenishment
    "api-replenishment-claim": Declared(_code, scope=WAREHOUSE),
    "api-pick-face-detail": Declared(_pk("face.pk"), scope=BOTH, methods=("patch", "get"), data={"max_qty": 50}),
    "api-replenishment-task-scan": Declared(_pk("replenishment.pk"), scope=BOTH,
                                            data={"scan_id": "5b0d7d7e-5a43-4f3c-9d7e-0c9b6f4e8a11", "code": "x"}),
    "api-replenishment-task-release": Declared(_pk("replenishment.pk"), scope=BOTH),
    # transfers (a transfer is out of reach unless both its warehouses are in scope)
    "warehouse:transfer_detail": Declared(_pk("transfer.pk"), scope=BOTH, methods=("get",)),
    "warehouse:transfer_action": Declared(_pk("transfer.pk"), scope=BOTH, data={"action": "release"}),
    "api-transfer-detail": Declared(_pk("transfer.pk"), scope=BOTH, methods=("get",)),
    "api-transfer-release": Declared(_pk("transfer.pk"), scope=BOTH),
    "api-transfer-cancel": Declared(_pk("transfer.pk"), scope=BOTH),
    "api-transfer-label-void": Declared(_pk("transfer.pk"), scope=BOTH, data={"reason": "scope"}),
    "api-transfer-label": Declared(_code, scope=WAREHOUSE, data={"scan": "x", "parcels": [{"carton_type": "", "weight_g": 1}]}),
    "warehouse:transfer_label_station": Declared(_code, scope=WAREHOUSE, methods=("get",)),
    "warehouse:transfer_label_submit": Declared(_code, scope=WAREHOUSE, data={"code": "x", "parcels": "1kg"}),
    # lot recalls (a merchant's; the bins and shipments shown are narrowed to the staff member's warehouses)
    "warehouse:recall_detail": Declared(_b("recall.pk"), methods=("get",)),
    "warehouse:recall_orders_csv": Declared(_b("recall.pk"), methods=("get",)),
    "api-recall-detail": Declared(_b("recall.pk"), methods=("get",)),
    # control: discrepancies and counts
    "warehouse:discrepancy_action": Declared(_pk("discrepancy.pk"), data={"action": "resolve"}),
    "warehouse:count_task_action": Declared(_pk("count.pk"), data={"action": "complete"}),
    "warehouse:count_station": Declared(_code, scope=WAREHOUSE),
    "warehouse:count_submit": Declared(_code, scope=WAREHOUSE, data={"scan": "x"}),
    "warehouse:count_review": Declared(_pk("count.pk"), data={"decision": "approve", "note": "scope"}),
    "api-discrepancy-resolve": Declared(_pk("discrepancy.pk"), data={"resolution": "found", "note": "x"}),
    "api-count-task-complete": Declared(_pk("count.pk"), data={"counted_qty": 1}),
    "api-count-claim": Declared(_code, scope=WAREHOUSE),
    "api-count-scan": Declared(_pk("count.pk"), data={"code": "x"}),
    "api-count-finish": Declared(_pk("count.pk")),
    "api-count-release": Declared(_pk("count.pk")),
    "api-count-approve": Declared(_pk("count.pk"), data={"note": "scope"}),
    "api-count-reject": Declared(_pk("count.pk"), data={"note": "scope"}),
    # packing, labels, manifests
    "warehouse:pack_station": Declared(lambda f: {**_code(f), "station": f.pack_bin.code}, scope=WAREHOUSE),
    "warehouse:pack_submit": Declared(lambda f: {**_code(f), "station": f.pack_bin.code}, scope=WAREHOUSE,
                                      data={"scan": "x"}),
    "warehouse:packing_slip": Declared(_b("fulfillment.pk"), methods=("get",)),
    "warehouse:shipment_label": Declared(lambda f: {"pk": f.shipment.pk, "fmt": "pdf"}, methods=("get",)),
    "warehouse:shipment_void": Declared(_pk("shipment.pk")),
    "warehouse:manifest_close": Declared(_code, scope=WAREHOUSE, data={"carrier": "ups"}),
    "warehouse:manifest_pdf": Declared(_pk("world.manifest.pk"), scope=WAREHOUSE, methods=("get",)),
    "warehouse:warehouse_detail": Declared(_code, scope=WAREHOUSE, methods=("get",)),
    "api-warehouse-detail": Declared(_code, scope=WAREHOUSE, methods=("get",)),
    "api-bin-list": Declared(_code, scope=WAREHOUSE, methods=("get",)),
    "api-pack-station-scan": Declared(lambda f: {**_code(f), "station": f.pack_bin.code}, scope=WAREHOUSE,
                                      data={"code": "x"}),
    "api-manifest-close": Declared(_code, scope=WAREHOUSE, data={"carrier": "ups"}),
    "api-pack-detail": Declared(_pk("pack.pk"), methods=("get",)),
    "api-pack-release": Declared(_pk("pack.pk")),
    "api-shipment-label-pdf": Declared(_pk("shipment.pk"), methods=("get",)),
    "api-shipment-label-zpl": Declared(_pk("shipment.pk"), methods=("get",)),
    "api-shipment-void": Declared(_pk("shipment.pk")),
    "api-manifest-pdf": Declared(_pk("world.manifest.pk"), scope=WAREHOUSE, methods=("get",)),
    "api-packing-slip": Declared(_b("fulfillment.pk"), methods=("get",)),
    # returns
    "returns:rma_detail": Declared(RMA),
    "returns:rma_action": Declared(lambda f: {"pk": f.world.b.rma.pk, "action": "cancel"}),
    "returns:rma_document": Declared(lambda f: {"pk": f.world.b.rma.pk, "document": "label"}, methods=("get",)),
    "returns:rma_new": Declared(lambda f: {"order_pk": f.world.b.order.pk}, data={"resolution": "refund"}),
    "returns:parcel_match": Declared(_pk("parcel.pk"), data=lambda f: {"rma": f.world.a.rma.number}),
    "returns:station": Declared(_code, scope=WAREHOUSE),
    "returns:station_submit": Declared(_code, scope=WAREHOUSE, data={"scan": "x"}),
    "returns:flush_detail": Declared(_pk("batch.pk"), scope=WAREHOUSE, methods=("get",)),
    "returns:flush_csv": Declared(_pk("batch.pk"), scope=WAREHOUSE, methods=("get",)),
    "returns:flush_action": Declared(lambda f: {"pk": f.batch.pk, "action": "cancel"}, scope=WAREHOUSE),
    "api-rma-detail": Declared(RMA, methods=("get",)),
    "api-rma-authorize": Declared(RMA),
    "api-rma-cancel": Declared(RMA, data={"reason": "scope"}),
    "api-rma-label-buy": Declared(RMA),
    "api-rma-label": Declared(RMA, methods=("get",)),
    "api-rma-slip": Declared(RMA, methods=("get",)),
    "api-rma-resolve": Declared(RMA, data={"resolution": "refund"}),
    "api-rma-close": Declared(RMA),
    "api-return-parcel-match": Declared(_pk("parcel.pk"), data=lambda f: {"rma": f.world.a.rma.number}),
    "api-return-parcel-units": Declared(_pk("parcel.pk"), data={"code": "x"}),
    "api-return-parcel-finish": Declared(_pk("parcel.pk")),
    "api-return-unit-grade": Declared(_pk("unit.pk"), data={"grade": "a"}),
    "returns:order_serials": Declared(ORDER, methods=("get",)),
    "api-order-serials": Declared(ORDER, methods=("get",)),
    "api-flush-batch-detail": Declared(_pk("batch.pk"), scope=WAREHOUSE, methods=("get",)),
    "api-flush-batch-approve": Declared(_pk("batch.pk"), scope=WAREHOUSE),
    "api-flush-batch-execute": Declared(_pk("batch.pk"), scope=WAREHOUSE),
    "api-flush-batch-cancel": Declared(_pk("batch.pk"), scope=WAREHOUSE),
    "api-flush-batch-csv": Declared(_pk("batch.pk"), scope=WAREHOUSE, methods=("get",)),
    # billing (a merchant's invoices: out of reach of staff limited to other merchants)
    "billing:invoice_detail": Declared(_b("invoice.pk"), methods=("get",)),
    "billing:invoice_issue": Declared(_b("invoice.pk"), methods=("post",)),
    "billing:invoice_pdf": Declared(_b("invoice.pk"), methods=("get",)),
    "billing:invoice_csv": Declared(_b("invoice.pk"), methods=("get",)),
    "billing:line_detail": Declared(_b("invoice_line.pk"), methods=("get",)),
    "api-invoice-detail": Declared(_b("invoice.pk"), methods=("get",)),
    # a notice about a warehouse outside the scope is not the staff member's to read
    "ops:notification_read": Declared(_pk("notification.pk"), scope=WAREHOUSE),
}

# URLs with an object id that no staff user acts on: storefront webhooks (a channel's signature authenticates them).
NOT_STAFF_ACTIONS = {"orders:storefront-webhook", "orders:shopify-fulfillment-webhook"}


def _routes(resolver=None, prefix: str = "", namespace: str = ""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}:{entry.name}" if namespace else entry.name, entry.pattern


def object_id_urls() -> list[str]:
    """Names of the URLs (the admin aside) whose path names an object."""
    names = []
    for route, name, pattern in _routes():
        if route.startswith("admin/"):
            continue
        params = set(getattr(pattern, "converters", {})) | set(pattern.regex.groupindex)
        if params & OBJECT_PARAMS:
            names.append(name)
    return sorted(set(names))


def test_every_url_with_an_object_id_is_declared():
    names = object_id_urls()
    assert len(names) > 100  # the enumeration sees the whole URL tree
    undeclared = [name for name in names if name not in DECLARED and name not in NOT_STAFF_ACTIONS]
    stale = [name for name in DECLARED if name not in names]
    assert (undeclared, stale) == ([], [])


# --- the floor and the scoped staff -------------------------------------------------------------------------------

def build_floor(world: World) -> Floor:
    site, b = world.site, world.b
    warehouse, shelf = site.warehouse, site.shelves[0]
    pack_zone = ZoneFactory(warehouse=warehouse, code="PACK", kind=Zone.Kind.PACKING)
    pack_bin = BinFactory(zone=pack_zone, code="PACK-1", kind=Bin.Kind.PACK_STATION)
    dock = Bin.objects.get(warehouse=warehouse, code="DOCK-1")
    pack = Pack.objects.create(fulfillment_order=b.fulfillment, warehouse=warehouse, pack_bin=pack_bin)
    carton = Carton.objects.create(pack=pack, number=1)
    channel = b.order.channel
    component = ProductFactory(merchant=b.merchant, sku="BLOOM-PART")
    face = PickFace.objects.create(warehouse=warehouse, bin=site.shelves[1], product=b.product, min_qty=2, max_qty=20)
    destination = WarehouseFactory(code="OTHER")
    parcel = ReturnParcel.objects.create(warehouse=warehouse, rma=b.rma, status="open", scanned=b.rma.number,
                                         holding_bin=shelf, received_by=site.processor)
    return Floor(
        world=world,
        exception=ReceivingException.objects.create(receipt=b.receipt, kind="over", product=b.product, qty=1),
        putaway=PutawayTask.objects.create(receipt=b.receipt, warehouse=warehouse, product=b.product, from_bin=dock, qty=1),
        session=PickSession.objects.create(wave=Wave.objects.create(warehouse=warehouse), warehouse=warehouse,
                                           strategy="single"),
        discrepancy=Discrepancy.objects.create(warehouse=warehouse, product=b.product, bin=shelf, kind="short",
                                               expected_qty=2, found_qty=1),
        count=CountTask.objects.create(warehouse=warehouse, bin=shelf, product=b.product),
        pack=pack,
        shipment=Shipment.objects.create(carton=carton, warehouse=warehouse, fulfillment_order=b.fulfillment,
                                         weight_g=500, from_bin=pack_bin, label_pdf=b"%PDF-1.4 label"),
        delivery=InboxDelivery.objects.create(channel=channel, dedup_key="scope-1", topic="orders/create", body="{}",
                                              status=InboxDelivery.Status.PARKED),
        message=OutboxMessage.objects.create(order=b.order, channel=channel, sequence=1, kind=OutboxMessage.Kind.SHIPPED,
                                             payload={}, status=OutboxMessage.Status.FAILED),
        push=StockPush.objects.create(channel=channel, product=b.product, status=StockPush.Status.FAILED),
        parcel=parcel,
        unit=ReturnUnit.objects.create(parcel=parcel, rma=b.rma, product=b.product, line=b.rma.lines.first(),
                                     received_by=site.processor),
        batch=FlushBatch.objects.create(warehouse=warehouse, reason="scope", built_by_label="someone"),
        notification=Notification.objects.create(kind=Notification.Kind.values[0], key="scope-1", title="about the site",
                                                 warehouse=warehouse, roles=[roles.ADMIN]),
        pack_bin=pack_bin,
        kit=kit_work_order_create(kit=b.product, warehouse=warehouse, qty=1, components=[KitComponent(component, 1)],
                                  actor="manager"),
        face=face,
        replenishment=ReplenishmentTask.objects.create(
            warehouse=warehouse, pick_face=face, product=b.product, from_bin=shelf, to_bin=face.bin, qty=3,
            reason=ReplenishmentTask.Reason.BELOW_MIN, status=ReplenishmentTask.Status.CLAIMED, claimed_by=site.processor),
        transfer=transfer_create(merchant=b.merchant, from_warehouse=warehouse, to_warehouse=destination,
                                 lines=[TransferLineInput(product=b.product, qty=1)], actor="manager"),
    )


def scoped_staff(world: World, scope: str):
    """An admin (every area) limited to merchant A, or to a warehouse of its own: B's work and the shared
    warehouse's work are out of reach respectively."""
    user = UserFactory(role=roles.ADMIN)
    limits = StaffScope.objects.create(user=user)
    if scope == MERCHANT:
        limits.merchants.set([world.a.merchant])
    else:
        limits.warehouses.set([WarehouseFactory(code="FAR")])
    return user


# Tables an action could change: row counts everywhere, and each row's status where it has one.
def _state() -> dict:
    state = {}
    for model in apps.get_models():
        if model._meta.app_label not in ("inventory", "orders", "warehouse", "shipping", "returns", "layout", "ops",
                                         "billing"):
            continue
        names = {f.attname for f in model._meta.concrete_fields}
        kept = [n for n in ("status", "label_status", "claimed_by_id", "picker_id", "resolved_at", "attempts", "name",
                            "packer_id", "voided_at", "closed_at") if n in names]
        rows = model._default_manager.order_by("pk")
        state[model._meta.label] = list(rows.values_list("pk", *kept)) if kept else rows.count()
    return state


def _call(client: APIClient, method: str, url: str, data: dict, *, api: bool):
    if method == "get":
        return client.get(url)
    if api:
        return getattr(client, method)(url, data, format="json")
    return getattr(client, method)(url, data)


@pytest.fixture
def floor(roles_ready) -> Floor:
    return build_floor(build_world())


@pytest.mark.parametrize("scope", [MERCHANT, WAREHOUSE])
def test_staff_are_refused_every_action_on_an_object_outside_their_scope(floor, scope):
    client = APIClient()
    client.force_login(scoped_staff(floor.world, scope))
    before, wrong = _state(), []
    b = floor.world.b  # nothing of merchant B's is shown to staff limited to merchant A
    markers = [b.order.order_number, b.po.number, b.rma.number, b.product.sku] if scope == MERCHANT else []
    for name, declared in DECLARED.items():
        if scope not in (declared.scope if isinstance(declared.scope, tuple) else (declared.scope,)):
            continue
        url = reverse(name, kwargs=declared.kwargs(floor))
        for method in declared.methods:
            data = declared.data(floor) if callable(declared.data) else declared.data
            response = _call(client, method, url, data, api=name.startswith("api-"))
            body = response.content.decode(errors="replace")
            # 405: the URL does not take this method; refused before any object is looked at
            if response.status_code not in (*declared.expect, 405) or any(marker in body for marker in markers):
                wrong.append((name, method, response.status_code, [m for m in markers if m in body]))
    if wrong:
        pytest.fail("not refused:\n" + "\n".join(map(str, wrong)))
    assert _state() == before


def test_the_same_reads_reach_the_objects_for_staff_without_a_scope(floor):
    """The declared objects exist and are reachable: an unrestricted staff member reads them (so the refusals
    above are the scope's, not a missing row's)."""
    client = APIClient()
    client.force_login(UserFactory(role=roles.ADMIN))
    missing = []
    for name, declared in DECLARED.items():
        if declared.methods != ("get",) or declared.expect == PORTAL:
            continue
        response = client.get(reverse(name, kwargs=declared.kwargs(floor)))
        if response.status_code == 404:
            missing.append(name)
    assert missing == []


def _limited_to(*, merchants=(), warehouses=()):
    user = UserFactory(role=roles.ADMIN)
    limits = StaffScope.objects.create(user=user)
    limits.merchants.set(merchants)
    limits.warehouses.set(warehouses)
    client = APIClient()
    client.force_login(user)
    return client


def test_a_transfer_is_out_of_reach_unless_both_its_warehouses_are_in_scope(floor):
    transfer = floor.transfer
    source, destination = transfer.from_warehouse, transfer.to_warehouse
    for held in ([source], [destination]):
        client = _limited_to(warehouses=held)
        assert client.get(reverse("api-transfer-detail", kwargs={"pk": transfer.pk})).status_code == 404
        assert client.get(reverse("warehouse:transfer_detail", kwargs={"pk": transfer.pk})).status_code == 404
        assert client.post(reverse("api-transfer-release", kwargs={"pk": transfer.pk})).status_code == 404
        assert client.post(reverse("api-transfer-cancel", kwargs={"pk": transfer.pk})).status_code == 404
        assert client.post(reverse("warehouse:transfer_action", kwargs={"pk": transfer.pk}),
                           {"action": "cancel"}).status_code == 404
        transfer.refresh_from_db()
        assert transfer.status == TransferOrder.Status.DRAFT
    both = _limited_to(warehouses=[source, destination], merchants=[transfer.merchant])
    response = both.get(reverse("api-transfer-detail", kwargs={"pk": transfer.pk}))
    assert response.status_code == 200 and response.json()["number"] == transfer.number


def test_an_operator_limited_to_a_merchant_claims_only_that_merchants_replenishment_tasks(floor):
    """The shared warehouse's queue holds merchant B's task: staff limited to merchant A are told none wait (the
    API and the station alike) and B's task stays open; A's own task is theirs to take."""
    world, b_task = floor.world, floor.replenishment
    ReplenishmentTask.objects.filter(pk=b_task.pk).update(status=ReplenishmentTask.Status.OPEN, claimed_by=None)
    client = _limited_to(merchants=[world.a.merchant])
    code = world.site.warehouse.code
    assert client.post(reverse("api-replenishment-claim", kwargs={"code": code})).status_code == 204
    page = client.post(reverse("warehouse:replenishment_submit", kwargs={"code": code}), {"scan": ""})
    assert page.status_code in (200, 422) and world.b.product.sku not in page.content.decode()
    b_task.refresh_from_db()
    assert (b_task.status, b_task.claimed_by_id) == (ReplenishmentTask.Status.OPEN, None)
    rows = client.get(reverse("warehouse:replenishment_index")).context["rows"]
    assert {row["warehouse"].code: row["open_tasks"] for row in rows}[code] == 0
    elsewhere = _limited_to(warehouses=[WarehouseFactory(code="FAR")])
    assert code not in [row["warehouse"].code for row in elsewhere.get(reverse("warehouse:replenishment_index")).context["rows"]]

    a_face = PickFace.objects.create(warehouse=world.site.warehouse, bin=world.site.shelves[2], product=world.a.product,
                                     min_qty=2, max_qty=20)
    a_task = ReplenishmentTask.objects.create(warehouse=a_face.warehouse, pick_face=a_face, product=world.a.product,
                                              from_bin=world.site.shelves[0], to_bin=a_face.bin, qty=3,
                                              reason=ReplenishmentTask.Reason.BELOW_MIN)
    response = client.post(reverse("api-replenishment-claim", kwargs={"code": code}))
    assert response.status_code == 200 and response.json()["id"] == a_task.pk
    b_task.refresh_from_db()
    assert b_task.status == ReplenishmentTask.Status.OPEN
