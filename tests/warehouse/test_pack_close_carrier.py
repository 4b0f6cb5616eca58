"""Pack close and voids against a real local shipping API (the EasyPost-style peer): labels are bought with
no transaction open, a carton the carrier refuses leaves no label bought and no stock moved, a void the
carrier refuses leaves the label valid and says why, and the sweeps finish what a crash left between steps."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from core import roles
from inventory.models import BinStock, Movement
from orders.models import FulfillmentOrder
from shipping.exceptions import VoidRefused
from shipping.models import Shipment
from shipping.services.shipments import shipment_voids_sweep
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.shipping.easypost_peer import EasyPostPeer
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product
from warehouse.models import Pack, StationScan
from warehouse.outbound.services.pack_close import pack_closes_sweep
from warehouse.outbound.services.packing import pack_scan, pack_scan_step, pack_start, pack_void

pytestmark = pytest.mark.django_db(transaction=True)
S = Shipment.Status


@pytest.fixture
def peer(settings):
    with EasyPostPeer() as running:
        settings.SHIPPING_API_URL, settings.SHIPPING_API_KEY = running.url, running.api_key
        yield running


@pytest.fixture
def ps(roles_ready):
    site = build_pick_site(shelves=2, totes=2)
    carton_types()
    return site


@pytest.fixture
def packer(roles_ready):
    return UserFactory(role=roles.PACKER)


class Purchases:
    """Watches each purchase from the peer's side: is the caller inside a transaction, and what has the
    database committed for that shipment's reference (read on the peer thread's own connection)."""

    def __init__(self, *, refuse: set[int] = frozenset()):
        self.caller = connections["default"]  # the test thread's connection: the one that calls the carrier
        self.refuse = refuse
        self.seen: list[tuple[str, bool, str | None]] = []

    def __call__(self, shipment: dict):
        reference = shipment.get("reference", "")
        try:
            committed = Shipment.objects.filter(reference=reference).values_list("status", flat=True).first()
        finally:
            connection.close()
        self.seen.append((reference, self.caller.in_atomic_block, committed))
        if len(self.seen) in self.refuse:
            return 422, {"error": {"code": "SHIPMENT.POSTAGE.FAILURE", "message": "The carrier declined the purchase.",
                                   "errors": []}}
        return None


def two_cartons_ready(ps, packer):
    shirt, mug = product(ps), product(ps)
    order, tote = picked(ps, [(shirt, 1), (mug, 1)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
    for raw in (shirt.sku, "CMD:NEWBOX", mug.sku):
        assert pack_scan(pack=pack, raw=raw, actor=packer).ok
    return order, tote, pack


def stock_picture():
    return (sorted(BinStock.objects.values_list("bin_id", "product_id", "qty")),
            sorted(Movement.objects.values_list("id", flat=True)))


def bought(peer) -> list[dict]:
    return [s for s in peer.shipments.values() if s["tracking_code"]]


def test_the_carrier_refusing_the_second_carton_voids_the_first_label_and_leaves_the_pack_open_with_nothing_moved(
        peer, ps, packer):
    order, tote, pack = two_cartons_ready(ps, packer)
    before = stock_picture()
    watch = Purchases(refuse={2})
    peer.before_buy = watch

    reply = pack_scan(pack=pack, raw="CMD:DONE", actor=packer)

    assert not reply.ok and reply.data["code"] == "label_failed"
    assert "carton 2" in reply.message and "declined the purchase" in reply.message and "voided" in reply.message
    # Both purchases were asked with no transaction open, each after its shipment was committed.
    assert [(open_, status) for _, open_, status in watch.seen] == [(False, "awaiting_label"), (False, "awaiting_label")]
    first, second = Shipment.objects.order_by("carton__number")
    assert (first.status, second.status) == (S.VOIDED, S.CANCELLED)
    assert [r["tracking_code"] for r in peer.refunds] == [first.tracking_number]
    assert [s["tracking_code"] for s in bought(peer)] == [first.tracking_number]  # no orphan label
    assert "declined the purchase" in second.problem
    pack.refresh_from_db()
    assert pack.status == Pack.Status.OPEN and "carton 2" in pack.close_problem
    assert pack.cartons.order_by("-number").first().status == "open"
    assert stock_picture() == before and not Movement.objects.filter(reference=f"pack:{pack.pk}").exists()
    assert BinStock.objects.filter(bin=tote, qty__gt=0).count() == 2
    assert FulfillmentOrder.objects.get(order=order).status == FulfillmentOrder.Status.PICKING
    assert_stock_invariants()

    peer.before_buy = None  # the carrier is back: the packer closes again
    again = pack_scan(pack=pack, raw="CMD:DONE", actor=packer)
    assert again.ok, again.message
    labelled = list(Shipment.objects.filter(status=S.LABELLED).order_by("carton__number"))
    assert len(labelled) == 2 and again.data["shipments"] == [s.pk for s in labelled]
    pack.refresh_from_db()
    assert pack.status == Pack.Status.LABELLED and not BinStock.objects.filter(bin=tote, qty__gt=0).exists()
    assert FulfillmentOrder.objects.get(order=order).status == FulfillmentOrder.Status.PACKED
    assert_stock_invariants()


def test_the_station_api_answers_with_the_labels_bought_after_the_scan_committed(api_client, peer, ps, packer):
    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 1)])
    watch = Purchases()
    peer.before_buy = watch
    api_client.force_authenticate(packer)
    url = f"/api/v1/warehouses/{ps.warehouse.code}/pack-stations/{ps.pack.code}/scans/"
    for code in (f"TOTE:{tote.code}", shirt.sku):
        assert api_client.post(url, {"scan_id": str(uuid.uuid4()), "code": code}, format="json").json()["ok"]
    done_id = str(uuid.uuid4())

    done = api_client.post(url, {"scan_id": done_id, "code": "CMD:DONE"}, format="json")

    assert done.status_code == 200, done.content
    shipment = Shipment.objects.get()
    assert done.json()["data"]["shipments"] == [shipment.pk] and shipment.tracking_number in done.json()["message"]
    assert [(open_, status) for _, open_, status in watch.seen] == [(False, "awaiting_label")]
    assert StationScan.objects.get(scan_id=done_id).result["shipments"] == [shipment.pk]  # a retry gets the labels
    replay = api_client.post(url, {"scan_id": done_id, "code": "CMD:DONE"}, format="json").json()
    assert replay["replayed"] and replay["data"]["shipments"] == [shipment.pk] and len(bought(peer)) == 1


@pytest.mark.parametrize("failure", ["refused", "down"])
def test_a_void_the_carrier_does_not_take_leaves_the_label_valid_and_says_why(client, peer, ps, packer, failure):
    order, tote, pack = two_cartons_ready(ps, packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    shipment = Shipment.objects.order_by("carton__number").first()
    peer.refuse_refunds, peer.down = failure == "refused", failure == "down"

    with pytest.raises(VoidRefused, match="the label is still valid"):
        pack_void(shipment=shipment, actor=ps.manager, reason="relabel")

    shipment.refresh_from_db()
    assert shipment.status == S.LABELLED and shipment.voided_at is None
    assert shipment.problem.startswith("void refused") and ("rejected" in shipment.problem or "503" in shipment.problem)
    pack.refresh_from_db()
    assert pack.status == Pack.Status.LABELLED
    assert FulfillmentOrder.objects.get(order=order).status == FulfillmentOrder.Status.PACKED
    client.force_login(packer)
    assert shipment.problem in client.get("/warehouse/manifests/").content.decode()

    peer.refuse_refunds = peer.down = False
    pack_void(shipment=shipment, actor=ps.manager, reason="relabel")
    assert set(Shipment.objects.values_list("status", flat=True)) == {S.VOIDED}
    assert sorted(r["tracking_code"] for r in peer.refunds if r["status"] == "submitted") == sorted(
        Shipment.objects.values_list("tracking_number", flat=True))


def test_the_sweep_buys_the_labels_of_a_close_a_crash_left_waiting_with_the_same_references(client, peer, ps, packer):
    order, tote, pack = two_cartons_ready(ps, packer)
    step = pack_scan_step(pack=pack, raw="CMD:DONE", actor=packer)  # committed; the station dies before buying
    assert step.then is not None and not bought(peer)
    waiting = {s.pk: s.reference for s in Shipment.objects.all()}
    assert set(Shipment.objects.values_list("status", flat=True)) == {S.AWAITING_LABEL} and len(waiting) == 2
    client.force_login(packer)
    outbound_page = client.get("/warehouse/manifests/").content.decode()
    assert all(f'data-in-flight="{reference}"' in outbound_page for reference in waiting.values())

    assert pack_closes_sweep(older_than_s=600) == {"labelled": 0, "reopened": 0, "failed": 0}  # may still be running
    Pack.objects.filter(pk=pack.pk).update(closing_since=timezone.now() - timedelta(minutes=15))
    assert pack_closes_sweep(older_than_s=600) == {"labelled": 1, "reopened": 0, "failed": 0}

    shipments = list(Shipment.objects.all())
    assert {s.status for s in shipments} == {S.LABELLED} and {s.pk: s.reference for s in shipments} == waiting
    assert sorted(s["reference"] for s in bought(peer)) == sorted(waiting.values())
    pack.refresh_from_db()
    assert pack.status == Pack.Status.LABELLED and not BinStock.objects.filter(bin=tote, qty__gt=0).exists()
    assert FulfillmentOrder.objects.get(order=order).status == FulfillmentOrder.Status.PACKED
    Pack.objects.filter(pk=pack.pk).update(closing_since=timezone.now() - timedelta(minutes=15))
    assert pack_closes_sweep(older_than_s=600)["labelled"] == 0 and len(bought(peer)) == 2
    assert_stock_invariants()


def test_the_sweep_undoes_a_stalled_close_whose_carton_the_carrier_refuses(peer, ps, packer):
    order, tote, pack = two_cartons_ready(ps, packer)
    before = stock_picture()
    pack_scan_step(pack=pack, raw="CMD:DONE", actor=packer)
    Pack.objects.filter(pk=pack.pk).update(closing_since=timezone.now() - timedelta(minutes=15))
    peer.before_buy = Purchases(refuse={2})

    assert pack_closes_sweep(older_than_s=600) == {"labelled": 0, "reopened": 1, "failed": 0}

    first, second = Shipment.objects.order_by("carton__number")
    assert (first.status, second.status) == (S.VOIDED, S.CANCELLED)
    assert [r["tracking_code"] for r in peer.refunds] == [first.tracking_number]
    pack.refresh_from_db()
    assert pack.status == Pack.Status.OPEN and pack.close_problem
    assert stock_picture() == before


def test_the_void_sweep_asks_the_carrier_again_for_a_void_left_unanswered(peer, ps, packer):
    order, tote, pack = two_cartons_ready(ps, packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    shipment = Shipment.objects.order_by("carton__number").first()
    # The void was recorded, then the process died before the carrier was asked.
    Shipment.objects.filter(pk=shipment.pk).update(status=S.VOIDING, updated_at=timezone.now() - timedelta(minutes=10))

    assert shipment_voids_sweep(older_than_s=300) == {"voided": 1, "refused": 0}

    shipment.refresh_from_db()
    assert shipment.status == S.VOIDED and shipment.voided_at is not None
    assert [r["tracking_code"] for r in peer.refunds] == [shipment.tracking_number]
    assert shipment_voids_sweep(older_than_s=300) == {"voided": 0, "refused": 0}


def test_two_closes_of_one_pack_at_once_buy_one_label_per_carton(peer, ps, packer):
    from tests.concurrency import run_in_threads
    from warehouse.outbound.services.packing import PackRefused

    order, tote, pack = two_cartons_ready(ps, packer)

    results = run_in_threads(lambda i: pack_scan(pack=pack, raw="CMD:DONE", actor=packer), 2)

    closed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, PackRefused)]
    assert len(closed) == 1 and closed[0].ok and len(refused) == 1, results
    assert "closing" in refused[0].message or "labelled" in refused[0].message  # depending on when it got the lock
    assert len(bought(peer)) == 2 and Shipment.objects.filter(status=S.LABELLED).count() == 2
    assert not Shipment.objects.exclude(status=S.LABELLED).exists()
    pack.refresh_from_db()
    assert pack.status == Pack.Status.LABELLED
    assert_stock_invariants()
