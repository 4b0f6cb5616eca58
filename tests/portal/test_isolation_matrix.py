"""Tenant isolation: merchant A's portal user and API token can read, list, count, create or change nothing of
merchant B, through pages, API filters, search, IDs in URLs, nested objects and file downloads.

Every URL that takes an id is declared below, either as a merchant resource (B's id answers 404, exactly like an
id that does not exist) or as staff-only (a merchant is refused the same way whatever the id, so the answer says
nothing about B). A new URL with an id and no declaration fails `test_every_url_with_an_id_is_declared`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from core.models import DomainEvent
from integrations.models import EventDelivery, EventSubscription
from inventory.models import Product
from orders.models import Order
from returns.models import ReasonCode, ReturnAuthorization
from tests.portal.world import World, build_world
from warehouse.models import PurchaseOrder

pytestmark = pytest.mark.django_db

MISSING = 987_654_321


@dataclass(frozen=True)
class Probe:
    url_name: str
    ids: dict  # url kwarg -> attribute path on the world (b.rma ...), or a literal
    method: str = "get"
    data: dict = field(default_factory=dict)
    query: str = ""
    api: bool = False

    def url(self, world: World, *, missing: bool = False) -> str:
        kwargs = {}
        for name, target in self.ids.items():
            if isinstance(target, str) and target.startswith(("a.", "b.", "manifest")):
                value = _resolve(world, target)
                kwargs[name] = MISSING if missing and name in ("pk", "order_pk") else value
            else:
                kwargs[name] = target
        return reverse(self.url_name, kwargs=kwargs) + (f"?{self.query}" if self.query else "")


def _resolve(world: World, path: str):
    value = world
    for part in path.split("."):
        value = getattr(value, part)
    return value


# Merchant resources: merchant A asking for merchant B's id gets 404, the same answer as for a missing id.
MERCHANT_RESOURCES = [
    # pages
    Probe("inventory:product_stock", {"pk": "b.product.pk"}),
    Probe("inventory:bundle_components_edit", {"pk": "b.product.pk"}, method="post", data={"sku": "X", "action": "add"}),
    Probe("api-product-components", {"pk": "b.product.pk"}, method="delete", query="sku=X", api=True),
    Probe("warehouse:po_detail", {"pk": "b.po.pk"}),
    Probe("orders:order_detail", {"pk": "b.order.pk"}),
    Probe("returns:rma_detail", {"pk": "b.rma.pk"}),
    Probe("returns:rma_action", {"pk": "b.rma.pk", "action": "cancel"}, method="post"),
    Probe("returns:rma_action", {"pk": "b.rma.pk", "action": "authorize"}, method="post"),
    Probe("returns:rma_action", {"pk": "b.rma.pk", "action": "label"}, method="post"),
    Probe("returns:rma_document", {"pk": "b.rma.pk", "document": "slip"}),
    Probe("returns:rma_document", {"pk": "b.rma.pk", "document": "slip"}, query="type=zpl"),
    Probe("returns:rma_document", {"pk": "b.rma.pk", "document": "label"}),
    Probe("returns:rma_document", {"pk": "b.rma.pk", "document": "label"}, query="type=zpl"),
    Probe("returns:rma_new", {"order_pk": "b.order.pk"}),
    Probe("returns:rma_new", {"order_pk": "b.order.pk"}, method="post", data={"resolution": "refund"}),
    Probe("portal:order_detail", {"pk": "b.order.pk"}),
    Probe("portal:return_new", {"order_pk": "b.order.pk"}),
    Probe("portal:return_new", {"order_pk": "b.order.pk"}, method="post", data={"resolution": "refund"}),
    Probe("portal:inbound_detail", {"pk": "b.po.pk"}),
    Probe("portal:return_detail", {"pk": "b.rma.pk"}),
    Probe("portal:recall_detail", {"pk": "b.recall.pk"}),
    Probe("portal:recall_orders_csv", {"pk": "b.recall.pk"}),
    Probe("warehouse:recall_detail", {"pk": "b.recall.pk"}),
    Probe("warehouse:recall_orders_csv", {"pk": "b.recall.pk"}),
    Probe("portal:invoice_detail", {"pk": "b.invoice.pk"}),
    Probe("portal:invoice_pdf", {"pk": "b.invoice.pk"}),
    Probe("portal:invoice_csv", {"pk": "b.invoice.pk"}),
    Probe("portal:invoice_line", {"pk": "b.invoice_line.pk"}),
    Probe("api-invoice-detail", {"pk": "b.invoice.pk"}, api=True),
    Probe("returns:order_serials", {"pk": "b.order.pk"}),
    Probe("portal:webhook_detail", {"pk": "b.subscription.pk"}),
    Probe("portal:webhook_action", {"pk": "b.subscription.pk", "action": "rotate"}, method="post"),
    Probe("portal:webhook_action", {"pk": "b.subscription.pk", "action": "disable"}, method="post"),
    Probe("portal:webhook_action", {"pk": "b.subscription.pk", "action": "replay"}, method="post"),
    Probe("portal:webhook_delivery_replay", {"pk": "b.delivery.pk"}, method="post"),
    # API
    Probe("api-event-subscription-detail", {"pk": "b.subscription.pk"}, api=True),
    Probe("api-event-subscription-detail", {"pk": "b.subscription.pk"}, method="patch", data={"active": False}, api=True),
    Probe("api-event-subscription-rotate-secret", {"pk": "b.subscription.pk"}, method="post", api=True),
    Probe("api-event-delivery-replay", {"pk": "b.delivery.pk"}, method="post", api=True),
    Probe("api-product-detail", {"pk": "b.product.pk"}, api=True),
    Probe("api-product-detail", {"pk": "b.product.pk"}, method="patch", data={"name": "renamed by A"}, api=True),
    Probe("api-product-components", {"pk": "b.product.pk"}, api=True),
    Probe("api-product-components", {"pk": "b.product.pk"}, method="post", data={"sku": "X", "quantity": 1}, api=True),
    Probe("api-po-detail", {"pk": "b.po.pk"}, api=True),
    Probe("api-order-detail", {"pk": "b.order.pk"}, api=True),
    Probe("api-order-address", {"pk": "b.order.pk"}, method="post", api=True),
    Probe("api-order-lines", {"pk": "b.order.pk"}, method="post", api=True),
    Probe("api-order-service-level", {"pk": "b.order.pk"}, method="post", api=True),
    Probe("api-order-cancel", {"pk": "b.order.pk"}, method="post", api=True),
    Probe("api-order-hold-place", {"pk": "b.order.pk"}, method="post", api=True),
    Probe("api-order-hold-release", {"pk": "b.order.pk"}, method="post", api=True),
    Probe("api-rma-detail", {"pk": "b.rma.pk"}, api=True),
    Probe("api-recall-detail", {"pk": "b.recall.pk"}, api=True),
    Probe("api-order-serials", {"pk": "b.order.pk"}, api=True),
    Probe("api-rma-authorize", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-rma-cancel", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-rma-label-buy", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-rma-resolve", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-rma-close", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-rma-label", {"pk": "b.rma.pk"}, api=True),
    Probe("api-rma-label", {"pk": "b.rma.pk"}, query="type=zpl", api=True),
    Probe("api-rma-slip", {"pk": "b.rma.pk"}, api=True),
    Probe("api-rma-slip", {"pk": "b.rma.pk"}, query="type=zpl", api=True),
]

# Staff-only URLs with an id (documents of the floor: labels, packing slips, manifests; station work): a merchant is
# refused whatever the id, so B's id and a missing id get the same 403 or 404.
STAFF_ONLY = [
    Probe("warehouse:po_cancel", {"pk": "b.po.pk"}, method="post", data={"reason": "x"}),  # inbound managers only
    Probe("warehouse:packing_slip", {"pk": "b.fulfillment.pk"}),
    Probe("inventory:kit_work_order_detail", {"pk": "b.order.pk"}),
    Probe("inventory:kit_work_order_action", {"pk": "b.order.pk", "action": "cancel"}, method="post"),
    Probe("api-kit-work-order-detail", {"pk": "b.order.pk"}, api=True),
    Probe("api-kit-work-order-action", {"pk": "b.order.pk", "action": "cancel"}, method="post", api=True),
    Probe("warehouse:shipment_label", {"pk": "b.fulfillment.pk", "fmt": "pdf"}),
    Probe("warehouse:shipment_void", {"pk": "b.fulfillment.pk"}, method="post"),
    Probe("warehouse:manifest_pdf", {"pk": "manifest.pk"}),
    Probe("warehouse:exception_action", {"pk": "b.receipt.pk"}, method="post"),
    Probe("warehouse:putaway_task_release", {"pk": "b.receipt.pk"}, method="post"),
    Probe("warehouse:pick_session_action", {"pk": "b.receipt.pk"}, method="post"),
    Probe("warehouse:discrepancy_action", {"pk": "b.receipt.pk"}, method="post"),
    Probe("warehouse:count_task_action", {"pk": "b.receipt.pk"}, method="post"),
    Probe("warehouse:transfer_detail", {"pk": "b.receipt.pk"}),
    Probe("warehouse:transfer_action", {"pk": "b.receipt.pk"}, method="post", data={"action": "cancel"}),
    Probe("api-transfer-detail", {"pk": "b.receipt.pk"}, api=True),
    Probe("api-transfer-release", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-transfer-cancel", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-transfer-label-void", {"pk": "b.receipt.pk"}, method="post", api=True, data={"reason": "x"}),
    Probe("orders:order_action", {"pk": "b.order.pk"}, method="post", data={"action": "cancel", "reason": "x"}),
    Probe("orders:inbox_replay", {"pk": "b.order.pk"}, method="post"),
    Probe("orders:inbox_allocate", {"pk": "b.order.pk"}, method="post"),
    Probe("orders:outbox_retry", {"pk": "b.order.pk"}, method="post"),
    Probe("orders:stock_push_retry", {"pk": "b.order.pk"}, method="post"),
    Probe("returns:parcel_match", {"pk": "b.rma.pk"}, method="post"),
    Probe("returns:flush_detail", {"pk": "b.rma.pk"}),
    Probe("returns:flush_csv", {"pk": "b.rma.pk"}),
    Probe("returns:flush_action", {"pk": "b.rma.pk", "action": "approve"}, method="post"),
    Probe("api-receipt-detail", {"pk": "b.receipt.pk"}, api=True),
    Probe("api-receipt-scan", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-receipt-close", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-putaway-scan", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-putaway-confirm", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-putaway-release", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-receiving-exception-resolve", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-pick-session-detail", {"pk": "b.receipt.pk"}, api=True),
    Probe("api-pick-session-scan", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-pick-session-confirm", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-pick-session-failure", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-pick-session-release", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-pick-session-assign", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-discrepancy-resolve", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-count-task-complete", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("warehouse:count_review", {"pk": "b.receipt.pk"}),
    Probe("api-count-scan", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-count-finish", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-count-release", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-count-approve", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-count-reject", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-pick-face-detail", {"pk": "b.receipt.pk"}, api=True),
    Probe("api-pick-face-detail", {"pk": "b.receipt.pk"}, method="patch", data={"min_qty": 1}, api=True),
    Probe("api-replenishment-task-scan", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("api-replenishment-task-release", {"pk": "b.receipt.pk"}, method="post", api=True),
    Probe("ops:notification_read", {"pk": "b.rma.pk"}, method="post"),  # only notifications addressed to the user
    Probe("api-pack-detail", {"pk": "b.fulfillment.pk"}, api=True),
    Probe("api-pack-release", {"pk": "b.fulfillment.pk"}, method="post", api=True),
    Probe("api-shipment-label-pdf", {"pk": "b.fulfillment.pk"}, api=True),
    Probe("api-shipment-label-zpl", {"pk": "b.fulfillment.pk"}, api=True),
    Probe("api-shipment-void", {"pk": "b.fulfillment.pk"}, method="post", api=True),
    Probe("api-manifest-pdf", {"pk": "manifest.pk"}, api=True),
    Probe("api-packing-slip", {"pk": "b.fulfillment.pk"}, api=True),
    Probe("api-return-parcel-match", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-return-parcel-units", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-return-parcel-finish", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-return-unit-grade", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("billing:invoice_detail", {"pk": "b.invoice.pk"}),
    Probe("billing:invoice_issue", {"pk": "b.invoice.pk"}, method="post"),
    Probe("billing:invoice_pdf", {"pk": "b.invoice.pk"}),
    Probe("billing:invoice_csv", {"pk": "b.invoice.pk"}),
    Probe("billing:line_detail", {"pk": "b.invoice_line.pk"}),
    Probe("api-flush-batch-detail", {"pk": "b.rma.pk"}, api=True),
    Probe("api-flush-batch-approve", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-flush-batch-execute", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-flush-batch-cancel", {"pk": "b.rma.pk"}, method="post", api=True),
    Probe("api-flush-batch-csv", {"pk": "b.rma.pk"}, api=True),
]

# URLs with an id that are not about merchant data: the admin (staff only, Django's own checks) and storefront
# webhooks (a channel's signature, not a user, authenticates them).
NOT_TENANT_URLS = {"webhooks/<str:kind>/<int:channel_id>/",
                   "webhooks/shopify/<int:channel_id>/fulfillment_order_notification"}


@pytest.fixture
def world(roles_ready) -> World:
    return build_world()


def _portal_client(world: World) -> Client:
    client = Client()
    client.force_login(world.a.user)
    return client


def _token_client(world: World) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.a.token}")
    return client


PRINCIPALS = {"portal user": _portal_client, "API token": _token_client}


def _call(client, probe: Probe, url: str):
    if probe.method == "get":
        return client.get(url)
    if isinstance(client, APIClient):
        return getattr(client, probe.method)(url, probe.data, format="json")
    return getattr(client, probe.method)(url, probe.data)


def b_state(world: World) -> dict:
    """Everything of merchant B that a leak could change."""
    b = world.b
    return {
        "rma": ReturnAuthorization.objects.filter(pk=b.rma.pk).values("status", "label_status", "resolution").get(),
        "po": PurchaseOrder.objects.filter(pk=b.po.pk).values("status").get(),
        "order": Order.objects.filter(pk=b.order.pk).values("status").get(),
        "product": Product.objects.filter(pk=b.product.pk).values("name", "sku").get(),
        "rmas": ReturnAuthorization.objects.filter(merchant=b.merchant).count(),
        "pos": PurchaseOrder.objects.filter(merchant=b.merchant).count(),
        "orders": Order.objects.filter(merchant=b.merchant).count(),
        "products": Product.objects.filter(merchant=b.merchant).count(),
        "reasons": ReasonCode.objects.filter(merchant=b.merchant).count(),
        "subscription": EventSubscription.objects.filter(pk=b.subscription.pk).values("secret", "active", "url").get(),
        "subscriptions": EventSubscription.objects.filter(merchant=b.merchant).count(),
        "delivery": EventDelivery.objects.filter(pk=b.delivery.pk).values("status", "attempts").get(),
    }


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_another_merchants_ids_answer_404_and_change_nothing(world, principal):
    client, before, leaks = PRINCIPALS[principal](world), b_state(world), []
    for probe in MERCHANT_RESOURCES:
        if principal == "API token" and not probe.api:
            continue  # pages authenticate by session only
        theirs = _call(client, probe, probe.url(world))
        missing = _call(client, probe, probe.url(world, missing=True))
        if theirs.status_code != 404 or missing.status_code != 404:
            leaks.append((probe.url_name, probe.method, probe.ids, theirs.status_code, missing.status_code))
    assert leaks == []
    assert b_state(world) == before


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_staff_only_urls_refuse_a_merchant_the_same_way_for_every_id(world, principal):
    client, before, leaks = PRINCIPALS[principal](world), b_state(world), []
    for probe in STAFF_ONLY:
        if principal == "API token" and not probe.api:
            continue
        theirs = _call(client, probe, probe.url(world))
        missing = _call(client, probe, probe.url(world, missing=True))
        if theirs.status_code not in (403, 404) or theirs.status_code != missing.status_code:
            leaks.append((probe.url_name, probe.method, theirs.status_code, missing.status_code))
    assert leaks == []
    assert b_state(world) == before


def test_every_url_with_an_id_is_declared():
    declared = {probe.url_name for probe in MERCHANT_RESOURCES + STAFF_ONLY}
    undeclared = []
    for route, name in _routes(get_resolver()):
        if route.startswith("admin/") or route in NOT_TENANT_URLS or "<int:" not in route:
            continue
        if name not in declared:
            undeclared.append((route, name))
    assert undeclared == []


def _routes(resolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}:{entry.name}" if namespace else entry.name


# --- lists, filters, search, counts -------------------------------------------------------------------------------

def _api_lists(world: World) -> list[tuple[str, int]]:
    """(url, how many rows merchant A should see)."""
    b = world.b
    gtin = b.product.barcodes.get().gtin
    return [
        ("/api/v1/products/", 1), (f"/api/v1/products/?sku={b.product.sku}", 0), (f"/api/v1/products/?barcode={gtin}", 0),
        (f"/api/v1/products/?merchant={b.merchant.code}", 0),
        ("/api/v1/stock/", 1), (f"/api/v1/stock/?sku={b.product.sku}", 0),
        ("/api/v1/movements/?reference=po:bloom", 0), (f"/api/v1/movements/?sku={b.product.sku}", 0),
        ("/api/v1/purchase-orders/", 1), ("/api/v1/purchase-orders/?status=open", 1),
        ("/api/v1/orders/", 1), (f"/api/v1/orders/?external_id={b.order.external_id}", 0),
        (f"/api/v1/orders/?channel={b.order.channel_id}", 0),
        ("/api/v1/returns/rmas/", 1), ("/api/v1/returns/rmas/?status=authorized", 1),
        ("/api/v1/recalls/", 1), (f"/api/v1/recalls/?sku={b.product.sku}", 0), (f"/api/v1/recalls/?q={b.recall.lot}", 0),
        (f"/api/v1/recalls/?merchant={b.merchant.code}", 0),
        ("/api/v1/event-subscriptions/", 1), ("/api/v1/event-deliveries/", 1),
        (f"/api/v1/event-deliveries/?subscription={b.subscription.pk}", 0),
        ("/api/v1/event-deliveries/?status=parked", 1),
        ("/api/v1/events/?kind=order.shipped", DomainEvent.objects.filter(merchant=world.a.merchant, kind="order.shipped").count()),
        (f"/api/v1/events/?after={DomainEvent.objects.filter(merchant=b.merchant).order_by('pk').first().pk - 1}",
         DomainEvent.objects.filter(merchant=world.a.merchant, pk__gte=DomainEvent.objects.filter(merchant=b.merchant).order_by("pk").first().pk).count()),
        ("/api/v1/billing/invoices/", 1),
    ]


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_api_lists_filters_and_counts_show_none_of_another_merchant(world, principal):
    client, b, seen = PRINCIPALS[principal](world), world.b, []
    markers = (b.product.sku, b.po.number, b.order.order_number, b.rma.number, b.merchant.code, b.reason.code,
               b.subscription.url, b.subscription.secret)
    for url, _count in _api_lists(world):
        response = client.get(url)
        body = response.content.decode()
        seen.append((url, response.status_code, response.json().get("count"), [m for m in markers if m in body]))
    assert seen == [(url, 200, count, []) for url, count in _api_lists(world)]
    reasons = client.get("/api/v1/returns/reasons/").content.decode()
    assert world.a.reason.code in reasons and b.reason.code not in reasons


def _page_searches(world: World) -> list[str]:
    b = world.b
    return [
        "/inventory/products/", f"/inventory/products/?q={b.product.sku}",
        "/warehouse/inbound/", f"/warehouse/inbound/?q={b.po.number}",
        "/orders/", f"/orders/?q={b.order.order_number}", f"/orders/?q={b.fulfillment.tracking_number}",
        f"/orders/?q={b.order.email}", "/returns/", f"/returns/?q={b.rma.number}", f"/returns/?q={b.order.order_number}",
        "/portal/", "/portal/orders/", f"/portal/orders/?q={b.fulfillment.tracking_number}",
        f"/portal/orders/?q={b.order.external_id}", "/portal/stock/", f"/portal/stock/?q={b.product.sku}",
        "/portal/inbound/", f"/portal/inbound/?q={b.po.number}", "/portal/returns/", f"/portal/returns/?q={b.rma.number}",
        "/portal/recalls/", f"/portal/recalls/?q={b.product.sku}", "/portal/webhooks/",
        f"/portal/webhooks/{world.a.subscription.pk}/", "/warehouse/recalls/", f"/warehouse/recalls/?q={b.recall.lot}",
        "/portal/invoices/",
    ]


def test_pages_lists_and_search_show_none_of_another_merchant(world):
    client, b = _portal_client(world), world.b
    their_links = [reverse("inventory:product_stock", args=[b.product.pk]), reverse("warehouse:po_detail", args=[b.po.pk]),
                   reverse("orders:order_detail", args=[b.order.pk]), reverse("returns:rma_detail", args=[b.rma.pk]),
                   reverse("portal:order_detail", args=[b.order.pk]), reverse("portal:inbound_detail", args=[b.po.pk]),
                   reverse("portal:return_detail", args=[b.rma.pk]), reverse("portal:webhook_detail", args=[b.subscription.pk])]
    their_words = [b.product.name, b.po.supplier, b.order.order_number, b.merchant.name, b.subscription.url,
                   b.subscription.secret]
    found = []
    for url in _page_searches(world):
        response = client.get(url)
        html = response.content.decode()
        found.append((url, response.status_code, [x for x in their_links if f'href="{x}"' in html],
                      [w for w in their_words if w in html.replace(f"value=\"{w}\"", "")]))
    assert found == [(url, 200, [], []) for url in _page_searches(world)]
    # and merchant A's own rows are there, so the searches above could have found something
    assert reverse("portal:order_detail", args=[world.a.order.pk]) in client.get("/portal/orders/").content.decode()


# --- creating for another merchant ---------------------------------------------------------------------------------

@pytest.mark.parametrize("principal", PRINCIPALS)
def test_nothing_is_created_for_another_merchant(world, principal):
    client, b, before = PRINCIPALS[principal](world), world.b, b_state(world)
    a_line = world.a.order.lines.get()
    b_line = b.order.lines.get()
    answers = [
        client.post("/api/v1/products/", {"merchant": b.merchant.code, "sku": "NEW-1", "name": "x"}, format="json").status_code,
        client.post("/api/v1/orders/", {"merchant": b.merchant.code, "external_id": "x-1", "order_number": "x-1",
                                        "lines": [{"sku": b.product.sku, "quantity": 1}]}, format="json").status_code,
        client.post("/api/v1/purchase-orders/", {"merchant": b.merchant.code, "warehouse": world.site.warehouse.code,
                                                 "number": "PO-X", "lines": [{"sku": b.product.sku, "qty": 1}]},
                    format="json").status_code,
        client.post("/api/v1/returns/rmas/", {"order_id": b.order.pk, "resolution": "refund",
                                              "lines": [{"sku": b.product.sku, "qty": 1, "reason": "wrong_size"}]},
                    format="json").status_code,
        client.post("/api/v1/returns/rmas/", {"channel_order_id": b.order.external_id, "resolution": "refund",
                                              "lines": [{"sku": b.product.sku, "qty": 1, "reason": "wrong_size"}]},
                    format="json").status_code,
        # a nested id: A's own order, but a line of B's order
        client.post("/api/v1/returns/rmas/", {"order_id": world.a.order.pk, "resolution": "refund",
                                              "lines": [{"order_line_id": b_line.pk, "qty": 1, "reason": "wrong_size"}]},
                    format="json").status_code,
        # B's own reason code on A's return
        client.post("/api/v1/returns/rmas/", {"order_id": world.a.order.pk, "resolution": "refund",
                                              "lines": [{"order_line_id": a_line.pk, "qty": 1, "reason": b.reason.code}]},
                    format="json").status_code,
        client.post("/api/v1/returns/reasons/", {"merchant": b.merchant.code, "code": "sneaky", "label": "x"},
                    format="json").status_code,
    ]
    assert all(400 <= code < 500 for code in answers), answers
    assert b_state(world) == before


def test_portal_forms_act_only_for_the_users_own_merchant(world):
    client, b = _portal_client(world), world.b
    response = client.post(reverse("portal:inbound_new"), {
        "kind": "asn", "number": "ASN-OWN", "warehouse": world.site.warehouse.code, "merchant": b.merchant.pk,
        "lines": f"{world.a.product.sku}, 4"})
    assert response.status_code == 302
    assert PurchaseOrder.objects.get(number="ASN-OWN").merchant == world.a.merchant
    refused = client.post(reverse("portal:inbound_new"), {
        "kind": "asn", "number": "ASN-THEIRS", "warehouse": world.site.warehouse.code, "lines": f"{b.product.sku}, 4"})
    assert refused.status_code == 200 and not PurchaseOrder.objects.filter(number="ASN-THEIRS").exists()
    page = client.post(reverse("warehouse:po_create"), {
        "merchant": b.merchant.pk, "warehouse": world.site.warehouse.pk, "number": "PO-PAGE", "lines": f"{world.a.product.sku}, 2"})
    assert page.status_code == 302 and PurchaseOrder.objects.get(number="PO-PAGE").merchant == world.a.merchant
