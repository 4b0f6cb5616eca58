"""Two merchants sharing one warehouse, each with a product in stock, a shipped order with tracking, a PO with a
receipt, an RMA with a bought label, a reason code of their own, a portal user and an API token."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from rest_framework.authtoken.models import Token

from billing.models import Invoice, InvoiceLine
from billing.services.invoicing import invoice_generate, invoice_issue
from core.events import event_record
from core.models import EventKind
from integrations.models import EventDelivery, EventSubscription
from integrations.services.subscriptions import subscription_create
from inventory.models import Merchant, Product
from inventory.services.stock import stock_receive
from layout.models import Bin, Zone
from orders.models import FulfillmentOrder, Order, OrderEvent
from returns.models import ReasonCode, ReturnAuthorization
from shipping.models import Manifest
from tests.billing.factories import card_for
from tests.factories import BinFactory, ProductFactory, ZoneFactory, merchant_user
from tests.orders.factories import ChannelFactory
from tests.returns.factories import ReturnSite, build_return_site, open_rma, shipped_order
from warehouse.inbound.services.purchase_orders import ExpectedLine, purchase_order_create
from warehouse.inbound.services.receiving import receipt_open
from warehouse.models import LotRecall, PurchaseOrder, Receipt


@dataclass
class Tenant:
    merchant: Merchant
    user: object
    token: str
    product: Product
    order: Order
    fulfillment: FulfillmentOrder
    po: PurchaseOrder
    receipt: Receipt
    rma: ReturnAuthorization
    reason: ReasonCode
    recall: LotRecall
    subscription: EventSubscription
    delivery: EventDelivery
    invoice: Invoice  # issued, for this month (the minimum charge)
    invoice_line: InvoiceLine


@dataclass
class World:
    site: ReturnSite
    a: Tenant
    b: Tenant
    manifest: Manifest


def build_world() -> World:
    site = build_return_site(products=0)
    dock_zone = ZoneFactory(warehouse=site.warehouse, code="DOCK", kind=Zone.Kind.RECEIVING)
    BinFactory(zone=dock_zone, code="DOCK-1", kind=Bin.Kind.DOCK)
    tenants = [_tenant(site, label) for label in ("acme", "bloom")]
    manifest = Manifest.objects.create(warehouse=site.warehouse, carrier="ups", pdf=b"%PDF-1.4 manifest")
    return World(site=site, a=tenants[0], b=tenants[1], manifest=manifest)


def _tenant(site: ReturnSite, label: str) -> Tenant:
    merchant = Merchant.objects.create(code=label, name=label.title())
    product = ProductFactory(merchant=merchant, sku=f"{label.upper()}-SKU", name=f"{label.title()} thing")
    stock_receive(product=product, bin=site.shelves[0], qty=9, actor=None, reference=f"po:{label}")
    site.merchant = merchant  # the site helpers open orders and RMAs for the current merchant
    order = shipped_order(site, [(product, 2)], channel=ChannelFactory(merchant=merchant, name=f"{label} shop"))
    Order.objects.filter(pk=order.pk).update(order_number=f"#{label}-1001", external_id=f"{label}-ext",
                                             email=f"buyer@{label}.test")
    order.refresh_from_db()
    fulfillment = order.fulfillment_orders.get()
    FulfillmentOrder.objects.filter(pk=fulfillment.pk).update(
        carrier="ups", tracking_number=f"1Z{label.upper()}", tracking_url=f"https://www.ups.com/track?tracknum=1Z{label.upper()}")
    fulfillment.refresh_from_db()
    OrderEvent.objects.create(order=order, kind="shipped", message=f"Shipped with UPS 1Z{label.upper()}", actor_label="warehouse")
    po = purchase_order_create(merchant=merchant, warehouse=site.warehouse, number=f"PO-{label.upper()}",
                               lines=[ExpectedLine(sku=product.sku, qty=5)], actor=site.manager, supplier=f"{label} supply")
    receipt = receipt_open(purchase_order=po, actor=site.manager)
    rma = open_rma(site, order, [(product, 1)])
    ReturnAuthorization.objects.filter(pk=rma.pk).update(
        label_status="bought", label_pdf=b"%PDF-1.4 " + label.encode(), label_zpl=f"^XA^FD{label}^FS^XZ",
        carrier="ups", tracking_number=f"1ZRET{label.upper()}")
    rma.refresh_from_db()
    reason = ReasonCode.objects.create(merchant=merchant, code=f"{label}_only", label=f"{label} only reason")
    user = merchant_user(merchant, username=f"{label}-portal")
    token = Token.objects.create(user=merchant_user(merchant, username=f"{label}-api")).key
    subscription = subscription_create(merchant=merchant, url=f"https://hooks.{label}.test/wms", kinds=["order.shipped"],
                                       description=f"{label} ERP", actor=user)
    event = event_record(EventKind.ORDER_SHIPPED, merchant_id=merchant.pk, resource_type="order", resource_id=order.pk,
                         warehouse_id=site.warehouse.pk, payload={"order_number": order.order_number, "units": 2})
    delivery = EventDelivery.objects.create(subscription=subscription, event=event, merchant=merchant, kind=event.kind,
                                            resource_key=f"order:{event.resource_id}", status="parked", attempts=8,
                                            last_error=f"HTTP 500 at hooks.{label}.test")
    month = timezone.localdate().replace(day=1)
    card_for(merchant, minimum="100.00", start=month)
    invoice = invoice_issue(invoice=invoice_generate(merchant=merchant, month=month, actor="finance"), actor="finance")
    return Tenant(merchant=merchant, user=user, token=token, product=product, order=order, fulfillment=fulfillment,
                  po=po, receipt=receipt, rma=rma, reason=reason, invoice=invoice, invoice_line=invoice.lines.first(),
                  recall=LotRecall.objects.create(merchant=merchant, product=product, lot=f"{label.upper()}-LOT",
                                                  reason=f"{label} supplier notice"),
                  subscription=subscription, delivery=delivery)
