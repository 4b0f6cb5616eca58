"""Bundles (derived availability, pushed to channels) and kit work orders (components reserved, then
consumed into kits through the ledger in one transaction)."""

import pytest

from core import roles
from core.errors import DomainError, PermissionDenied
from core.lifecycle import IllegalTransition
from inventory.exceptions import InsufficientStock, InvalidQuantity, WrongMerchant
from inventory.models import BundleComponent, KitWorkOrder, Movement, Reservation, StaffScope, StockLevel
from inventory.selectors import available_to_sell, available_to_sell_by_sku
from inventory.services.kits import (
    KitComponent,
    NestedBundle,
    bundle_component_remove,
    bundle_component_set,
    kit_work_order_action,
    kit_work_order_cancel,
    kit_work_order_complete,
    kit_work_order_create,
    kit_work_order_release,
)
from inventory.services.reservations import stock_reserve
from inventory.services.stock import stock_receive
from orders.models import StockPush
from tests.factories import BinFactory, MerchantFactory, ProductFactory, UserFactory, WarehouseFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import storefront_channel
from tests.orders.stock_sync import sync_stock_now
from tests.peers.storefront import StorefrontPeer

pytestmark = pytest.mark.django_db


def _bundle(merchant, *parts):
    bundle = ProductFactory(merchant=merchant, sku="GIFT-SET")
    for component, qty in parts:
        bundle_component_set(bundle=bundle, component=component, quantity=qty, actor="test")
    return bundle


def test_bundle_availability_is_the_fewest_whole_bundles_any_component_makes():
    merchant = MerchantFactory()
    mug, tea = ProductFactory(merchant=merchant, sku="MUG"), ProductFactory(merchant=merchant, sku="TEA")
    bundle = _bundle(merchant, (mug, 1), (tea, 3))
    assert available_to_sell(bundle) == 0
    bin_ = BinFactory()
    stock_receive(product=mug, bin=bin_, qty=5, actor=None)
    stock_receive(product=tea, bin=bin_, qty=10, actor=None)
    other = BinFactory()  # a second warehouse adds up
    stock_receive(product=tea, bin=other, qty=2, actor=None)
    assert available_to_sell(bundle) == 4  # floor(12 / 3), mug allows 5
    stock_reserve(product=mug, warehouse=bin_.warehouse, qty=2, order_line_id=1, actor=None)
    assert available_to_sell(bundle) == 3
    assert available_to_sell_by_sku(merchant) == {"MUG": 3, "TEA": 12, "GIFT-SET": 3}
    assert available_to_sell_by_sku(merchant, ["GIFT-SET"]) == {"GIFT-SET": 3}


def test_bundle_components_are_refused_when_zero_cross_merchant_nested_or_itself():
    merchant = MerchantFactory()
    mug, tea = ProductFactory(merchant=merchant), ProductFactory(merchant=merchant)
    bundle = _bundle(merchant, (mug, 1))
    with pytest.raises(InvalidQuantity):
        bundle_component_set(bundle=bundle, component=tea, quantity=0, actor="test")
    with pytest.raises(WrongMerchant):
        bundle_component_set(bundle=bundle, component=ProductFactory(), quantity=1, actor="test")
    with pytest.raises(NestedBundle):  # a bundle inside a bundle
        bundle_component_set(bundle=ProductFactory(merchant=merchant), component=bundle, quantity=1, actor="test")
    with pytest.raises(NestedBundle):  # a component that would become a bundle
        bundle_component_set(bundle=mug, component=tea, quantity=1, actor="test")
    with pytest.raises(DomainError):
        bundle_component_set(bundle=bundle, component=bundle, quantity=1, actor="test")
    assert list(BundleComponent.objects.values_list("bundle_id", "component_id", "quantity")) == [(bundle.pk, mug.pk, 1)]
    bundle_component_set(bundle=bundle, component=mug, quantity=2, actor="test")
    assert BundleComponent.objects.get().quantity == 2
    assert bundle_component_remove(bundle=bundle, component=mug, actor="test") == 1
    assert not BundleComponent.objects.exists()


def test_a_component_stock_change_pushes_the_bundle_to_the_storefront(settings):
    settings.ORDERS_STOCK_PUSH_MIN_INTERVAL_SECONDS = 0
    with StorefrontPeer("shopify") as peer:
        channel = storefront_channel(peer)
        mug = ProductFactory(merchant=channel.merchant, sku="MUG")
        tea = ProductFactory(merchant=channel.merchant, sku="TEA")
        for sku in ("MUG", "TEA", "GIFT-SET"):
            peer.stock[sku] = 0
        bundle = _bundle(channel.merchant, (mug, 1), (tea, 2))
        bin_ = BinFactory()
        stock_receive(product=mug, bin=bin_, qty=4, actor=None)
        stock_receive(product=tea, bin=bin_, qty=5, actor=None)
        sync_stock_now()
        assert peer.stock["GIFT-SET"] == 2 and peer.stock["TEA"] == 5
        assert StockPush.objects.filter(product=bundle, channel=channel).exists()
        stock_reserve(product=tea, warehouse=bin_.warehouse, qty=4, order_line_id=7, actor=None)
        sync_stock_now()
        assert peer.stock["GIFT-SET"] == 0 and peer.stock["TEA"] == 1


def _kit_setup(stock=(10, 10)):
    merchant = MerchantFactory()
    box, mug, tea = (ProductFactory(merchant=merchant, sku=s) for s in ("BOX", "MUG", "TEA"))
    shelf = BinFactory()
    stock_receive(product=mug, bin=shelf, qty=stock[0], actor=None)
    stock_receive(product=tea, bin=shelf, qty=stock[1], actor=None)
    order = kit_work_order_create(
        kit=box, warehouse=shelf.warehouse, qty=3, actor="manager",
        components=[KitComponent(mug, 1), KitComponent(tea, 2)],
    )
    return box, mug, tea, shelf, order


def test_a_released_work_order_reserves_and_completing_it_writes_consume_and_produce_in_the_ledger():
    box, mug, tea, shelf, order = _kit_setup()
    assert order.status == "draft" and order.lines.count() == 2
    kit_work_order_release(work_order=order, actor="manager")
    levels = {lv.product.sku: lv for lv in StockLevel.objects.select_related("product")}
    assert (levels["MUG"].allocated, levels["TEA"].allocated) == (3, 6)
    assert available_to_sell(tea) == 4
    assert_stock_invariants()

    kit_bin = BinFactory(zone=shelf.zone)
    kit_work_order_complete(work_order=order, to_bin=kit_bin, actor="manager")
    order.refresh_from_db()
    assert order.status == "done" and order.to_bin == kit_bin
    ledger = sorted(Movement.objects.filter(reference=f"kit_work_order:{order.pk}").values_list("product__sku", "kind", "qty"))
    assert ledger == [("BOX", "kit_produce", 3), ("MUG", "kit_consume", -3), ("TEA", "kit_consume", -6)]
    levels = {lv.product.sku: lv for lv in StockLevel.objects.select_related("product")}
    assert [(levels[s].on_hand, levels[s].allocated) for s in ("BOX", "MUG", "TEA")] == [(3, 0), (7, 0), (4, 0)]
    assert len({m.operation for m in Movement.objects.filter(kind__startswith="kit")}) == 3
    assert_stock_invariants()
    with pytest.raises(IllegalTransition):
        kit_work_order_cancel(work_order=order, actor="manager")


def test_release_is_all_or_nothing_when_a_component_is_short():
    box, mug, tea, shelf, order = _kit_setup(stock=(10, 5))  # 6 tea needed
    with pytest.raises(InsufficientStock):
        kit_work_order_release(work_order=order, actor="manager")
    order.refresh_from_db()
    assert order.status == "draft"
    assert not Reservation.objects.exists()
    assert set(StockLevel.objects.values_list("allocated", flat=True)) == {0}
    assert_stock_invariants()


def test_cancelling_a_released_work_order_gives_the_components_back():
    box, mug, tea, shelf, order = _kit_setup()
    kit_work_order_release(work_order=order, actor="manager")
    kit_work_order_cancel(work_order=order, actor="manager")
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert set(StockLevel.objects.values_list("allocated", flat=True)) == {0}
    assert not Movement.objects.filter(kind__startswith="kit").exists()
    assert_stock_invariants()


def test_completing_a_draft_or_into_another_warehouse_is_refused_and_changes_nothing():
    box, mug, tea, shelf, order = _kit_setup()
    with pytest.raises(IllegalTransition):
        kit_work_order_complete(work_order=order, to_bin=shelf, actor="manager")
    kit_work_order_release(work_order=order, actor="manager")
    with pytest.raises(DomainError):
        kit_work_order_complete(work_order=order, to_bin=BinFactory(), actor="manager")
    assert not Movement.objects.filter(kind__startswith="kit").exists()
    assert KitWorkOrder.objects.get().status == "released"


def test_a_work_order_refuses_bundles_other_merchants_and_zero_quantities():
    merchant = MerchantFactory()
    box, mug = ProductFactory(merchant=merchant), ProductFactory(merchant=merchant)
    bin_ = BinFactory()
    with pytest.raises(InvalidQuantity):
        kit_work_order_create(kit=box, warehouse=bin_.warehouse, qty=0, components=[KitComponent(mug, 1)], actor="m")
    with pytest.raises(InvalidQuantity):
        kit_work_order_create(kit=box, warehouse=bin_.warehouse, qty=1, components=[KitComponent(mug, 0)], actor="m")
    with pytest.raises(WrongMerchant):
        kit_work_order_create(kit=box, warehouse=bin_.warehouse, qty=1, components=[KitComponent(ProductFactory(), 1)],
                              actor="m")
    bundle = _bundle(merchant, (mug, 1))
    with pytest.raises(NestedBundle):
        kit_work_order_create(kit=box, warehouse=bin_.warehouse, qty=1, components=[KitComponent(bundle, 1)], actor="m")
    with pytest.raises(NestedBundle):
        kit_work_order_create(kit=bundle, warehouse=bin_.warehouse, qty=1, components=[KitComponent(box, 1)], actor="m")
    assert not KitWorkOrder.objects.exists()


def test_staff_limited_elsewhere_neither_draft_nor_act_on_a_kit_work_order():
    box, mug, tea, shelf, order = _kit_setup()
    other_merchant, other_site = UserFactory(role=roles.ADMIN), UserFactory(role=roles.ADMIN)
    StaffScope.objects.create(user=other_merchant).merchants.set([MerchantFactory()])
    StaffScope.objects.create(user=other_site).warehouses.set([WarehouseFactory()])
    for actor in (other_merchant, other_site):
        with pytest.raises(PermissionDenied):
            kit_work_order_create(kit=box, warehouse=shelf.warehouse, qty=1, components=[KitComponent(mug, 1)], actor=actor)
        for action in ("release", "cancel"):
            with pytest.raises(PermissionDenied):
                kit_work_order_action(work_order=order, action=action, actor=actor)
    order.refresh_from_db()
    assert order.status == "draft" and KitWorkOrder.objects.count() == 1 and not Reservation.objects.exists()
    in_scope = UserFactory(role=roles.ADMIN)
    StaffScope.objects.create(user=in_scope).merchants.set([box.merchant])
    assert kit_work_order_action(work_order=order, action="release", actor=in_scope).status == "released"
