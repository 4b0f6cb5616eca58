"""A believable demo: one 3PL, two merchants, two warehouses, a few hundred bins and products,
stock, storefront channels, one user per role, work waiting on the floor and returns in every state.
Every step is idempotent."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from biip.checksums import gs1_standard_check_digit
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from core import roles
from inventory.models import Merchant, MerchantMembership, Product
from inventory.services.products import product_create
from layout.models import Bin, Warehouse, Zone
from ops.services.rollups import refresh_rollups

DEMO_PASSWORD = "demo-pass-123"
STAFF_USERS = {
    "admin": roles.ADMIN,
    "picker": roles.PICKER,
    "packer": roles.PACKER,
    "receiver": roles.RECEIVER,
    "returns": roles.RETURNS_PROCESSOR,
    "inventory": roles.INVENTORY_CONTROLLER,
    "manager": roles.WAREHOUSE_MANAGER,
    "ops": roles.OPS_MANAGER,
    "support": roles.CUSTOMER_SERVICE,
}
MERCHANTS = [
    # code, name, GS1 company prefix, product families
    ("acme", "Acme Outdoor", "0614141", ["Trail Tent", "Camp Stove", "Headlamp", "Dry Bag", "Trek Pole"]),
    ("bloom", "Bloom Beauty", "0845678", ["Face Serum", "Lip Balm", "Night Cream", "Body Lotion", "Hair Oil"]),
]
WAREHOUSES = [
    {
        "code": "ewr1", "name": "Newark Fulfillment Center", "address_line1": "100 Port St", "city": "Newark",
        "region": "NJ", "postal_code": "07114", "country": "US", "latitude": Decimal("40.707000"),
        "longitude": Decimal("-74.160000"), "square_feet": 120000, "timezone": "America/New_York",
        "order_cutoff": dt.time(15, 0),
    },
    {
        "code": "ont1", "name": "Ontario Fulfillment Center", "address_line1": "2500 E Francis St",
        "city": "Ontario", "region": "CA", "postal_code": "91761", "country": "US",
        "latitude": Decimal("34.040000"), "longitude": Decimal("-117.590000"), "square_feet": 90000,
        "timezone": "America/Los_Angeles", "order_cutoff": dt.time(14, 0),
    },
]
AISLES = "ABCDEF"
PRODUCTS_PER_MERCHANT = 150
VARIANTS = ["S", "M", "L", "Red", "Blue", "Green", "Black", "30ml", "50ml", "100ml"]


def gtin13(prefix: str, item: int) -> str:
    body = f"{prefix}{item:05d}"
    return body + str(gs1_standard_check_digit(body))


@transaction.atomic
def seed_layout() -> list[Warehouse]:
    warehouses = []
    for spec in WAREHOUSES:
        warehouse, _ = Warehouse.objects.get_or_create(code=spec["code"], defaults=spec)
        warehouses.append(warehouse)
        zones = {
            code: Zone.objects.get_or_create(warehouse=warehouse, code=code, defaults={"name": name, "kind": kind})[0]
            for code, name, kind in [
                ("DOCK", "Receiving dock", Zone.Kind.RECEIVING),
                ("STOR", "Storage and pick", Zone.Kind.STORAGE),
                ("PACK", "Pack-out", Zone.Kind.PACKING),
                ("RET", "Returns", Zone.Kind.RETURNS),
                ("QUAR", "Quarantine", Zone.Kind.QUARANTINE),
            ]
        }
        if Bin.objects.filter(warehouse=warehouse).exists():
            continue
        bins = [Bin(warehouse=warehouse, zone=zones["DOCK"], code=f"DOCK-{n}", kind=Bin.Kind.DOCK, walk_x=0,
                    walk_y=n * 20, is_pickable=False) for n in (1, 2, 3)]
        sequence = 0
        for a, aisle in enumerate(AISLES):
            bays = range(1, 11) if a % 2 == 0 else range(10, 0, -1)  # serpentine walk
            for bay in bays:
                for level in (1, 2):
                    for position in "AB":
                        sequence += 1
                        bins.append(Bin(
                            warehouse=warehouse, zone=zones["STOR"], code=f"{aisle}-{bay:02d}-{level:02d}-{position}",
                            kind=Bin.Kind.SHELF, aisle=aisle, walk_x=40 + a * 30 + (0 if position == "A" else 3),
                            walk_y=20 + bay * 12, pick_sequence=sequence, capacity=200,
                        ))
        bins += [Bin(warehouse=warehouse, zone=zones["PACK"], code=f"PACK-{n}", kind=Bin.Kind.PACK_STATION,
                     walk_x=10, walk_y=n * 15, is_pickable=False) for n in range(1, 5)]
        bins += [Bin(warehouse=warehouse, zone=zones["PACK"], code=f"T-{n:03d}", kind=Bin.Kind.TOTE,
                     walk_x=10, walk_y=0, is_pickable=False) for n in range(1, 41)]
        bins += [Bin(warehouse=warehouse, zone=zones["RET"], code=f"RET-{n}", kind=Bin.Kind.RETURNS,
                     walk_x=0, walk_y=100 + n * 10, is_pickable=False) for n in (1, 2)]
        bins.append(Bin(warehouse=warehouse, zone=zones["QUAR"], code="QUAR-1", kind=Bin.Kind.SHELF,
                        walk_x=0, walk_y=140, is_pickable=False))
        Bin.objects.bulk_create(bins)
    return warehouses


@transaction.atomic
def seed_merchants_and_products() -> list[Merchant]:
    merchants = []
    for code, name, prefix, families in MERCHANTS:
        merchant, _ = Merchant.objects.get_or_create(code=code, defaults={"name": name})
        merchants.append(merchant)
        existing = set(Product.objects.filter(merchant=merchant).values_list("sku", flat=True))
        rng = random.Random(code)
        for n in range(1, PRODUCTS_PER_MERCHANT + 1):
            family = families[n % len(families)]
            variant = VARIANTS[(n // len(families)) % len(VARIANTS)]
            sku = f"{code.upper()}-{n:04d}"
            if sku in existing:
                continue
            product_create(
                merchant=merchant, sku=sku, name=f"{family} {variant}", barcodes=[gtin13(prefix, n)],
                weight_g=rng.randint(50, 4000), length_mm=rng.randint(50, 600), width_mm=rng.randint(50, 400),
                height_mm=rng.randint(20, 300), unit_cost=Decimal(rng.randint(200, 9000)) / 100,
                reorder_point=rng.choice([None, 10, 20]), velocity_class="A" if n <= 20 else ("B" if n <= 60 else "C"),
                hs_code="6306.22" if code == "acme" else "3304.99", country_of_origin=rng.choice(["US", "CN", "VN", "FR"]),
            )
    return merchants


@transaction.atomic
def seed_users(merchants: list[Merchant]) -> dict:
    User = get_user_model()
    roles.ensure_roles()
    users = {}
    for username, role in STAFF_USERS.items():
        user = _user(User, username, is_superuser=role == roles.ADMIN)
        user.groups.set([Group.objects.get(name=role)])
        users[username] = {"password": DEMO_PASSWORD, "role": role}
    tokens = {}
    for merchant in merchants:
        for suffix in ("portal", "api"):
            user = _user(User, f"{merchant.code}-{suffix}")
            user.groups.set([Group.objects.get(name=roles.MERCHANT)])
            MerchantMembership.objects.update_or_create(user=user, defaults={"merchant": merchant})
            users[user.username] = {"password": DEMO_PASSWORD, "role": roles.MERCHANT, "merchant": merchant.code}
            if suffix == "api":
                tokens[merchant.code] = Token.objects.get_or_create(user=user)[0].key
    return {"users": users, "tokens": tokens}


def _user(User, username: str, *, is_superuser: bool = False):
    user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.example"})
    if created:
        user.set_password(DEMO_PASSWORD)
    user.is_staff = is_superuser or not username.endswith(("-portal", "-api"))
    user.is_superuser = is_superuser
    user.save()
    return user


def seed_stock(warehouses: list[Warehouse], merchants: list[Merchant]) -> None:
    """Receive opening stock through the inventory services, so the ledger explains every unit."""
    from inventory.models import Movement
    from inventory.services.stock import stock_receive

    if Movement.objects.filter(reference="demo:opening").exists():
        return
    rng = random.Random(7)
    for warehouse in warehouses:
        shelves = list(Bin.objects.filter(warehouse=warehouse, kind=Bin.Kind.SHELF, is_pickable=True).order_by("pick_sequence"))
        for merchant in merchants:
            for product in Product.objects.filter(merchant=merchant).order_by("sku"):
                if rng.random() < 0.15:  # some products are out of stock in a building: routing has choices to make
                    continue
                for bin_ in rng.sample(shelves, rng.choice([1, 1, 2])):
                    stock_receive(product=product, bin=bin_, qty=rng.randint(5, 60), actor="demo", reference="demo:opening",
                                  reason="opening stock")


def seed_inbound(warehouses: list[Warehouse], merchants: list[Merchant]) -> list[str]:
    """A purchase order and an ASN (with SSCC-labelled cartons) per merchant and warehouse, due soon."""
    import datetime as dt

    from biip.checksums import gs1_standard_check_digit

    from warehouse.inbound.services.purchase_orders import ExpectedLine, purchase_order_create
    from warehouse.models import PurchaseOrder

    numbers = []
    today = dt.date.today()
    for w, warehouse in enumerate(warehouses):
        for m, merchant in enumerate(merchants):
            skus = list(Product.objects.filter(merchant=merchant).order_by("sku").values_list("sku", flat=True)[w * 6:w * 6 + 6])
            po_number = f"PO-{merchant.code.upper()}-{warehouse.code.upper()}-1"
            asn_number = f"ASN-{merchant.code.upper()}-{warehouse.code.upper()}-1"
            numbers += [po_number, asn_number]
            if PurchaseOrder.objects.filter(merchant=merchant, number=po_number).exists():
                continue
            purchase_order_create(
                merchant=merchant, warehouse=warehouse, number=po_number, supplier="Northwind Supply",
                expected_date=today + dt.timedelta(days=1), lines=[ExpectedLine(sku, 24) for sku in skus[:3]],
            )
            cartons = []
            for n, sku in enumerate(skus[3:]):
                body = f"00614141{w}{m}{n:07d}"[:17]
                cartons.append(ExpectedLine(sku, 12, sscc=body + str(gs1_standard_check_digit(body)),
                                            lot=f"L{today:%y%m}{n}", expiry=today + dt.timedelta(days=365)))
            purchase_order_create(
                merchant=merchant, warehouse=warehouse, number=asn_number, kind=PurchaseOrder.Kind.ASN,
                supplier="Contoso Logistics", expected_date=today, lines=cartons,
            )
    return numbers


def seed_channels(merchants: list[Merchant]) -> list:
    from orders.models import Channel

    specs = {
        "acme": [(Channel.Kind.SHOPIFY, "Acme Shopify", "acme-outdoor.myshopify.com"),
                 (Channel.Kind.BIGCOMMERCE, "Acme BigCommerce", "stores/acme123")],
        "bloom": [(Channel.Kind.WOOCOMMERCE, "Bloom WooCommerce", "https://bloom.example")],
    }
    channels = []
    for merchant in merchants:
        for kind, name, identity in [*specs.get(merchant.code, []), (Channel.Kind.API, f"{merchant.name} API", "")]:
            channel, _ = Channel.objects.get_or_create(
                merchant=merchant, kind=kind, name=name, defaults={"store_identity": identity, "push_stock": False}
            )
            channels.append(channel)
    return channels


DEMO_SHIP_TO = [("Jersey City", "NJ", "07302"), ("Brooklyn", "NY", "11201"), ("Los Angeles", "CA", "90012"),
                ("San Diego", "CA", "92101"), ("Philadelphia", "PA", "19103"), ("Phoenix", "AZ", "85004")]


def seed_pick_work(channels) -> list[str]:
    """A few API orders per merchant, allocated, released and planned into waves: the demo picker can
    press Enter at `/warehouse/picking/<warehouse>/` and start."""
    from orders.adapters.base import NormalizedAddress, NormalizedLine, NormalizedOrder
    from orders.models import Order
    from orders.services.allocation import order_allocate
    from orders.services.intake import order_upsert
    from warehouse.outbound.services.waves import WavePlanningError, wave_plan

    rng = random.Random(7)
    numbers = []
    for channel in [c for c in channels if c.kind == "api"]:
        products = list(Product.objects.filter(merchant=channel.merchant).order_by("sku")[:40])
        for n, (city, region, postal) in enumerate(DEMO_SHIP_TO, start=1):
            number = f"{channel.merchant.code.upper()}-D{n:03d}"
            numbers.append(number)
            if Order.objects.filter(channel=channel, external_id=number).exists():
                continue
            picks = rng.sample(products, k=rng.randint(1, 3))
            normalized = NormalizedOrder(
                external_id=number, order_number=number, channel_updated_at=None, email=f"buyer{n}@demo.example",
                customer_name=f"Demo Buyer {n}",
                ship_to=NormalizedAddress(name=f"Demo Buyer {n}", line1=f"{n} Market St", city=city, region=region,
                                          postal_code=postal, country="US"),
                lines=tuple(NormalizedLine(external_line_id=f"{number}-{i}", sku=p.sku, name=p.name, quantity=rng.randint(1, 3))
                            for i, p in enumerate(picks, start=1)),
            )
            order = order_upsert(channel=channel, normalized=normalized, source="demo").order
            order_allocate(order_id=order.pk, actor="demo")
    for warehouse in Warehouse.objects.filter(is_active=True):
        try:
            wave_plan(warehouse=warehouse, actor="demo", orders_per_session=4)
        except WavePlanningError:
            pass  # nothing released there, or already planned
    return numbers


CARTON_TYPES = [("S", "Small box", 250, 200, 100, 150), ("M", "Medium box", 350, 300, 200, 250),
                 ("L", "Large box", 500, 400, 300, 400), ("XL", "Extra large box", 600, 500, 400, 600)]


def seed_pack_out(merchants) -> None:
    """Carton types, a default packing slip per merchant and one shipping rule, so pack-out works out of the box."""
    from shipping.models import ShippingRule
    from warehouse.models import CartonType, PackingSlipTemplate

    for code, name, length, width, height, tare in CARTON_TYPES:
        CartonType.objects.get_or_create(code=code, defaults=dict(name=name, length_mm=length, width_mm=width,
                                                                  height_mm=height, tare_g=tare))
    for merchant in merchants:
        PackingSlipTemplate.objects.get_or_create(merchant=merchant, product_tag="", defaults=dict(
            header_note=f"Thank you for shopping with {merchant.name}!",
            footer_note="Returns are free within 30 days: keep this slip and start a return on our website."))
        ShippingRule.objects.get_or_create(merchant=merchant, name="Heavy parcels by UPS Ground", defaults=dict(
            priority=10, min_weight_g=10_000, action=ShippingRule.Action.USE_SERVICE, carrier="UPS", service="Ground"))


RETURN_ORDERS = [  # external id, ship-to, [(sku number, qty)], days since shipped
    ("ACME-H001", ("Jersey City", "NJ", "07302"), [(3, 1), (8, 2)], 12),
    ("ACME-H002", ("Brooklyn", "NY", "11201"), [(5, 1), (12, 1)], 9),
    ("ACME-H003", ("Philadelphia", "PA", "19103"), [(7, 2), (9, 1)], 8),
    ("ACME-H004", ("Newark", "NJ", "07102"), [(4, 1), (11, 2)], 15),
    ("ACME-H005", ("Hoboken", "NJ", "07030"), [(6, 1), (14, 1)], 20),
]
UNEXPECTED_PARCEL = "9205590123456724680134"  # a USPS return label bought by someone else: no RMA has it


def seed_returns(warehouses: list[Warehouse], channels) -> list[str]:
    """Orders shipped before go-live (imported history) and their returns in every state: requested,
    authorized with a prepaid label, received and waiting for grading, graded, resolved with store
    credit; an unexpected parcel in the holding queue; a flush batch of the damaged units waiting for
    a second person. Everything goes through the returns services except the imported shipments."""
    from django.utils import timezone

    from orders.adapters.base import NormalizedAddress, NormalizedLine, NormalizedOrder
    from orders.models import FulfillmentLine, FulfillmentOrder, Order
    from orders.services.intake import order_upsert
    from returns.models import FlushBatch, ReturnAuthorization, ReturnParcel
    from returns.services.flush import FlushItem, flush_batch_create
    from returns.services.receiving import parcel_receive
    from returns.services.rmas import RequestedLine, rma_create
    from returns.services.setup import returns_bins, returns_defaults_ensure

    returns_defaults_ensure()
    warehouse = next(w for w in warehouses if w.code == "ewr1")
    channel = next(c for c in channels if c.kind == "api" and c.merchant.code == "acme")
    User = get_user_model()
    agent, processor, manager = (User.objects.get(username=name) for name in ("support", "returns", "manager"))
    orders = []
    for external_id, (city, region, postal), wanted, days in RETURN_ORDERS:
        order = Order.objects.filter(channel=channel, external_id=external_id).first()
        if order is None:
            with transaction.atomic():
                products = {n: Product.objects.get(merchant=channel.merchant, sku=f"ACME-{n:04d}") for n, _ in wanted}
                normalized = NormalizedOrder(
                    external_id=external_id, order_number=external_id, channel_updated_at=None,
                    email=f"{external_id.lower()}@demo.example", customer_name=f"Returning Buyer {external_id[-1]}",
                    ship_to=NormalizedAddress(name=f"Returning Buyer {external_id[-1]}", line1=f"{days} Elm St", city=city,
                                              region=region, postal_code=postal, country="US"),
                    lines=tuple(NormalizedLine(external_line_id=f"{external_id}-{i}", sku=products[n].sku,
                                               name=products[n].name, quantity=qty, unit_price=Decimal("39.00") + n)
                                for i, (n, qty) in enumerate(wanted, start=1)),
                )
                order = order_upsert(channel=channel, normalized=normalized, source="demo history").order
                shipped_at = timezone.now() - dt.timedelta(days=days)
                fulfillment = FulfillmentOrder.objects.create(order=order, warehouse=warehouse, shipped_at=shipped_at,
                                                              status=FulfillmentOrder.Status.SHIPPED)
                FulfillmentLine.objects.bulk_create([
                    FulfillmentLine(fulfillment_order=fulfillment, order_line=line, qty=line.quantity,
                                    shipped_qty=line.quantity) for line in order.lines.all()])
                Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)
        orders.append(order)
    numbers = []
    for order, (resolution, reason, authorize) in zip(orders, [
        ("refund", "changed_mind", False),  # requested: customer service has not looked yet
        ("exchange", "wrong_size", True),  # authorized, a prepaid label on its way to the customer
        ("refund", "defective", True),  # received: on the bench, waiting for grading
        ("store_credit", "not_as_described", True),  # graded and resolved
        ("warranty", "damaged_in_transit", True),  # graded, waiting for customer service to resolve
    ], strict=True):
        rma = ReturnAuthorization.objects.filter(order=order).first()
        if rma is None:
            lines = list(order.lines.order_by("line_no"))
            exchange_to = Product.objects.filter(merchant=order.merchant, sku__gt=lines[0].sku).order_by("sku").first()
            rma = rma_create(order=order, resolution=resolution, actor=agent, source="customer service",
                             authorize=authorize, customer_note="demo return",
                             lines=[RequestedLine(order_line_id=line.pk, qty=line.quantity, reason=reason,
                                                  exchange_sku=exchange_to.sku if resolution == "exchange" else "")
                                    for line in lines])
            _demo_return_progress(rma, order, processor=processor, agent=agent, resolve=resolution == "store_credit")
        numbers.append(rma.number)
    if not ReturnParcel.objects.filter(warehouse=warehouse, scanned=UNEXPECTED_PARCEL).exists():
        parcel_receive(warehouse=warehouse, raw=UNEXPECTED_PARCEL, actor=processor,
                       note="no packing slip inside; customer unknown")
    holding = returns_bins(warehouse).holding
    if not FlushBatch.objects.filter(warehouse=warehouse, reason__startswith="Damaged returns").exists():
        from inventory.models import BinStock

        rows = BinStock.objects.filter(bin=holding, qty__gt=0).select_related("product").order_by("pk")
        items = [FlushItem(product=r.product, bin=holding, qty=r.qty, condition=r.condition, disposition="liquidate")
                 for r in rows]
        if items:
            flush_batch_create(warehouse=warehouse, items=items, actor=manager,
                               reason="Damaged returns to the liquidation pallet")
    return numbers


def _demo_return_progress(rma, order, *, processor, agent, resolve: bool) -> None:
    """Move a fresh demo RMA as far as its story goes: label, receipt, grading, resolution."""
    from returns.models import RmaStatus
    from returns.services.grading import unit_grade
    from returns.services.labels import rma_label_buy
    from returns.services.receiving import parcel_receive, unit_receive
    from returns.services.resolutions import rma_resolve

    if rma.status != RmaStatus.AUTHORIZED:
        return
    if rma.resolution == "exchange":
        if transaction.get_connection().in_atomic_block:  # seeded inside a caller's transaction: the label job buys it
            from core.dispatch import enqueue_after_commit
            from returns.tasks import buy_return_label

            enqueue_after_commit(buy_return_label, rma.pk)
        else:
            rma_label_buy(rma=rma, actor=agent)  # the sandbox carrier, outside any transaction as a carrier call must be
        return
    parcel = parcel_receive(warehouse=rma.warehouse, raw=rma.code, actor=processor)
    units = [unit_receive(parcel=parcel, raw=line.sku, actor=processor)
             for line in order.lines.order_by("line_no") for _ in range(line.quantity)]
    if rma.resolution == "refund":
        return  # received: the units wait as returned-pending in the intake bin
    for n, unit in enumerate(units):
        unit_grade(unit=unit, grade_code="good" if n % 2 == 0 else "damaged", actor=processor,
                   notes="" if n % 2 == 0 else "scuffed, box torn")
    if resolve:
        rma_resolve(rma=rma, actor=agent)


def seed_demo() -> dict:
    from inventory.selectors import stock_by_warehouse

    warehouses = seed_layout()
    merchants = seed_merchants_and_products()
    people = seed_users(merchants)
    seed_stock(warehouses, merchants)
    inbound = seed_inbound(warehouses, merchants)
    channels = seed_channels(merchants)
    seed_pack_out(merchants)
    pick_orders = seed_pick_work(channels)
    returns = seed_returns(warehouses, channels)
    refresh_rollups()  # the imported history's closed days, for the dashboards
    skus = {}
    for merchant in merchants:
        skus[merchant.code] = [
            {"sku": product.sku, "stock": {level.warehouse.code: level.available for level in stock_by_warehouse(product)}}
            for product in Product.objects.filter(merchant=merchant).order_by("sku")[:5]
        ]
    return {
        "merchants": [{"id": m.id, "code": m.code, "name": m.name, "api_token": people["tokens"][m.code]} for m in merchants],
        "warehouses": [w.code for w in warehouses],
        "purchase_orders": inbound,
        "pick_orders": pick_orders,
        "returns": returns,
        "channels": [
            {"id": c.id, "merchant": c.merchant.code, "kind": c.kind, "name": c.name, "webhook_secret": c.webhook_secret,
             "webhook_url": f"/webhooks/{c.kind}/{c.id}/" if c.is_storefront else None}
            for c in channels
        ],
        "users": people["users"],
        "skus": skus,
    }
