"""What a simulated day needs in a fresh database: the demo's layout, merchants and products, a Shopify channel
with a known secret, stock received through the inventory services (a few scarce SKUs, so that a flash sale
runs some of them out), carton types, and one REST token per floor role."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token

from core import roles
from demo.data import seed_layout, seed_merchants_and_products, seed_pack_out
from inventory.models import Product
from inventory.services.stock import stock_receive
from layout.models import Bin

SECRET = "whsec-simulated-day"
SHOP = "acme-outdoor.myshopify.com"
SKUS = 60  # of the first merchant's catalogue, ordered by the storefront
SCARCE = 6  # of those, stocked thin: the flash sale runs them out (backorders, never oversells)


@dataclass
class World:
    channel_id: int
    secret: str
    shop: str
    skus: list[str]
    scarce: list[str]
    warehouses: list[str]
    tokens: dict[str, list[str]] = field(default_factory=dict)  # role -> tokens
    units: int = 0  # received at opening

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def seed_world(*, seed: int, pickers: int, packers: int, skus: int = SKUS) -> World:
    from orders.models import Channel

    roles.ensure_roles()
    warehouses = seed_layout()
    merchant = seed_merchants_and_products()[0]
    seed_pack_out([merchant])
    channel, _ = Channel.objects.update_or_create(
        merchant=merchant, kind=Channel.Kind.SHOPIFY, name="Simulated Shopify",
        defaults={"store_identity": SHOP, "webhook_secret": SECRET, "push_stock": False},
    )
    rng = random.Random(seed)
    products = list(Product.objects.filter(merchant=merchant).order_by("sku")[:skus])
    scarce = {p.sku for p in rng.sample(products, min(SCARCE, len(products) // 3))}
    units = 0
    for warehouse in warehouses:
        shelves = list(Bin.objects.filter(warehouse=warehouse, kind=Bin.Kind.SHELF, is_pickable=True).order_by("pick_sequence"))
        for n, product in enumerate(products):
            qty = rng.randint(2, 6) if product.sku in scarce else rng.randint(150, 250)
            for bin_ in (shelves[(n * 2) % len(shelves)], shelves[(n * 2 + 1) % len(shelves)]):
                stock_receive(product=product, bin=bin_, qty=qty, actor="simulate", reference="simulate:opening",
                              reason="opening stock")
                units += qty
    tokens = {
        "manager": [_token("sim-manager", roles.WAREHOUSE_MANAGER)],
        "picker": [_token(f"sim-picker-{n}", roles.PICKER) for n in range(1, pickers + 1)],
        "packer": [_token(f"sim-packer-{n}", roles.PACKER) for n in range(1, packers + 1)],
    }
    return World(channel_id=channel.pk, secret=SECRET, shop=SHOP, skus=[p.sku for p in products], scarce=sorted(scarce),
                 warehouses=[w.code for w in warehouses], tokens=tokens, units=units)


def _token(username: str, role: str) -> str:
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": f"{username}@sim.example",
                                                                                  "is_staff": True})
    user.groups.set([Group.objects.get(name=role)])
    return Token.objects.get_or_create(user=user)[0].key
