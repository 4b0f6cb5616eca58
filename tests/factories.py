"""Factories shared across apps: tenancy, users with roles, layout, products."""

import datetime as dt
from decimal import Decimal

import factory
from biip.checksums import gs1_standard_check_digit
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles
from inventory.models import Merchant, MerchantMembership, Product, ProductBarcode
from layout.models import Bin, Warehouse, Zone


def make_gtin13(n: int) -> str:
    body = f"400638{n:06d}"
    return body + str(gs1_standard_check_digit(body))


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    code = factory.Sequence(lambda n: f"m{n}")
    name = factory.Sequence(lambda n: f"Merchant {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-123456")

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if extracted:
            group = Group.objects.filter(name=extracted).first()
            if group is None:  # transactional tests flush the groups made at migrate time
                roles.ensure_roles()
                group = Group.objects.get(name=extracted)
            user.groups.add(group)


def merchant_user(merchant, **kwargs):
    user = UserFactory(role=roles.MERCHANT, **kwargs)
    MerchantMembership.objects.create(user=user, merchant=merchant)
    return user


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    merchant = factory.SubFactory(MerchantFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    weight_g = 500
    length_mm = 200
    width_mm = 150
    height_mm = 100
    unit_cost = Decimal("4.50")

    @factory.post_generation
    def gtin(product, create, extracted, **kwargs):
        if create:
            code = extracted or "0" + make_gtin13(product.pk)
            ProductBarcode.objects.create(product=product, merchant=product.merchant, gtin=code.zfill(14))


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"wh{n}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    city = "Newark"
    region = "NJ"
    postal_code = "07114"
    latitude = Decimal("40.700000")
    longitude = Decimal("-74.160000")
    timezone = "America/New_York"
    order_cutoff = dt.time(15, 0)


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"Z{n}")
    name = "Storage"
    kind = Zone.Kind.STORAGE


class BinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bin

    zone = factory.SubFactory(ZoneFactory)
    warehouse = factory.SelfAttribute("zone.warehouse")
    code = factory.Sequence(lambda n: f"A-{n // 100:02d}-{n % 100:02d}-A")
    kind = Bin.Kind.SHELF
    walk_x = factory.Sequence(lambda n: n * 3)
    walk_y = 10
    pick_sequence = factory.Sequence(lambda n: n)
