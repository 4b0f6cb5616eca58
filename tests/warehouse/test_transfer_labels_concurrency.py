"""Transfer labels against real PostgreSQL and a real local shipping API: labels are bought with no transaction
open, a parcel the carrier refuses leaves no label bought and nothing moved, and a manifest closing while the
same transfer's label is voided lets one of them win with the stock consistent."""

import pytest
from django.db import connection, connections

from core.errors import DomainError
from inventory.models import InTransitStock, Movement, MovementKind, StockLevel
from shipping.models import Manifest, Shipment
from tests.concurrency import run_in_threads
from tests.factories import ProductFactory
from tests.shipping.easypost_peer import EasyPostPeer
from tests.warehouse.packing import carton_types
from tests.warehouse.transfers import addressed_pair, assert_transfer_invariants, draft, stocked
from warehouse.models import TransferOrder, TransferStatus
from warehouse.outbound.services.manifests import manifest_close
from warehouse.outbound.services.transfer_labels import (
    ParcelInput,
    TransferLabelFailed,
    transfer_label,
    transfer_labels_void,
)
from warehouse.services.transfers import transfer_pick, transfer_release

pytestmark = pytest.mark.django_db(transaction=True)
S = Shipment.Status


@pytest.fixture
def pair(roles_ready):
    pair = addressed_pair()
    carton_types()
    return pair


def picked_transfer(pair, qty: int = 5):
    product = ProductFactory(merchant=pair.merchant, weight_g=200)
    stocked(pair, product, qty + 3)
    transfer = draft(pair, [(product, qty)])
    transfer_release(transfer=transfer, actor=pair.manager)
    transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack, qty=qty,
                  actor=pair.manager)
    return transfer, product


def parcels(n: int = 1) -> list[ParcelInput]:
    return [ParcelInput(weight_g=1200, length_mm=300, width_mm=200, height_mm=150)] * n


def test_manifest_close_racing_a_void_of_the_same_transfer_lets_one_win_and_keeps_stock_consistent(pair):
    outcomes = set()
    for _ in range(4):
        transfer, product = picked_transfer(pair)
        [label] = transfer_label(transfer=transfer, warehouse=pair.a, parcels=parcels(), actor=pair.manager).shipments

        def racer(i):
            if i == 0:
                return manifest_close(warehouse=pair.a, carrier=label.carrier, actor="test")
            return transfer_labels_void(transfer=transfer, actor=pair.manager, reason="race")

        results = run_in_threads(racer, 2)
        assert all(not isinstance(r, Exception) or isinstance(r, DomainError) for r in results), results
        label.refresh_from_db()
        transfer.refresh_from_db()
        level = StockLevel.objects.get(product=product, warehouse=pair.a)
        transit = InTransitStock.objects.filter(product=product).values_list("qty", flat=True).first() or 0
        if label.status == S.SHIPPED:  # the driver took it: the void was refused
            assert isinstance(results[1], DomainError) and not isinstance(results[0], Exception)
            assert transfer.status == TransferStatus.SHIPPED and transit == 5
            assert (level.on_hand, level.allocated) == (3, 0)
            assert Movement.objects.filter(product=product, kind=MovementKind.TRANSFER_OUT).count() >= 1
            outcomes.add("shipped")
        else:  # voided first: the manifest found nothing of it to collect
            assert label.status == S.VOIDED and isinstance(results[0], DomainError)
            assert transfer.status == TransferStatus.PICKING and transit == 0
            assert (level.on_hand, level.allocated) == (8, 5)
            assert not Movement.objects.filter(product=product, kind=MovementKind.TRANSFER_OUT).exists()
            outcomes.add("voided")
        assert Manifest.objects.filter(shipments=label).count() == (label.status == S.SHIPPED)
        assert_transfer_invariants()
    assert outcomes  # at least one round decided; which one wins is the race's


class Purchases:
    """Each purchase as the peer sees it: was the caller inside a transaction, and what had the database committed
    for that reference (read on the peer thread's own connection)."""

    def __init__(self, *, refuse: set[int] = frozenset()):
        self.caller = connections["default"]
        self.refuse = refuse
        self.seen: list[tuple[bool, str | None]] = []

    def __call__(self, shipment: dict):
        try:
            committed = Shipment.objects.filter(reference=shipment.get("reference", "")).values_list("status", flat=True).first()
        finally:
            connection.close()
        self.seen.append((self.caller.in_atomic_block, committed))
        if len(self.seen) in self.refuse:
            return 422, {"error": {"code": "SHIPMENT.POSTAGE.FAILURE", "message": "The carrier declined the purchase.",
                                   "errors": []}}
        return None


@pytest.fixture
def peer(settings):
    with EasyPostPeer() as running:
        settings.SHIPPING_API_URL, settings.SHIPPING_API_KEY = running.url, running.api_key
        yield running


def test_labels_are_bought_outside_any_transaction_and_a_refusal_gives_every_label_up(peer, pair):
    transfer, product = picked_transfer(pair)
    watch = Purchases(refuse={2})
    peer.before_buy = watch

    with pytest.raises(TransferLabelFailed, match="declined the purchase") as failed:
        transfer_label(transfer=transfer, warehouse=pair.a, parcels=parcels(2), actor=pair.manager)

    assert failed.value.status_code == 422
    assert watch.seen == [(False, "awaiting_label"), (False, "awaiting_label")]
    first, second = Shipment.objects.order_by("id")
    assert (first.status, second.status) == (S.VOIDED, S.CANCELLED)
    assert [refund["tracking_code"] for refund in peer.refunds] == [first.tracking_number]
    assert TransferOrder.objects.get(pk=transfer.pk).status == TransferStatus.PICKING
    assert not InTransitStock.objects.exists()

    peer.before_buy = Purchases()
    done = transfer_label(transfer=transfer, warehouse=pair.a, parcels=parcels(1), actor=pair.manager)
    [label] = done.shipments
    assert label.status == S.LABELLED and label.carrier
    manifest_close(warehouse=pair.a, carrier=label.carrier, actor=pair.manager)
    assert TransferOrder.objects.get(pk=transfer.pk).status == TransferStatus.SHIPPED
    assert InTransitStock.objects.get(product=product).qty == 5
    assert_transfer_invariants()
