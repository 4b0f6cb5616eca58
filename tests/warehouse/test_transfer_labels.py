"""Transfers ship like an outbound order: labelled at the source's transfer label station (service, REST and page)
with the sandbox carriers, collected on the carrier's manifest (which is when the units move into transit), voided
back to picked before the driver comes, received at the destination. Refusals answer 4xx and change nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core import roles
from core.errors import Conflict, NotFound, PermissionDenied
from inventory.models import InTransitStock, Movement, MovementKind, StaffScope, StockLevel
from ops.selectors.capacity import awaiting_manifest
from ops.selectors.erp import erp_feed_page
from ops.services.day_close import day_close_run
from shipping.carriers.base import TrackingEvent, TrackingStatus
from shipping.models import Manifest, Shipment
from shipping.services.tracking import tracking_record
from tests.factories import MerchantFactory, ProductFactory, UserFactory
from tests.warehouse.packing import carton_types
from tests.warehouse.transfers import addressed_pair, assert_transfer_invariants, draft, stocked
from warehouse.models import TransferOrder, TransferParcel, TransferStatus
from warehouse.outbound.services.manifests import manifest_close
from warehouse.outbound.services.transfer_labels import (
    InvalidParcel,
    ParcelInput,
    TransferLabelRefused,
    parcels_parse,
    transfer_for_label_scan,
    transfer_label,
    transfer_labels_void,
)
from warehouse.services.transfers import (
    TransferLabelled,
    transfer_pick,
    transfer_receive,
    transfer_release,
    transfer_ship,
)
from warehouse.transfer_selectors import in_transit_inbound

pytestmark = pytest.mark.django_db
S = Shipment.Status


@pytest.fixture
def pair(roles_ready):
    pair = addressed_pair()
    return pair


@pytest.fixture
def boxes(db):
    return carton_types()


def picked_transfer(pair, *, qty: int = 6, picked: int | None = None, stock: int = 10):
    product = ProductFactory(merchant=pair.merchant, weight_g=200)
    stocked(pair, product, stock)
    transfer = draft(pair, [(product, qty)])
    transfer_release(transfer=transfer, actor=pair.manager)
    transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack,
                  qty=picked or qty, actor=pair.manager)
    transfer.refresh_from_db()
    return transfer, product


def level(product, warehouse):
    row = StockLevel.objects.filter(product=product, warehouse=warehouse).first()
    return (row.on_hand, row.allocated, row.available) if row else (0, 0, 0)


def world_picture() -> dict:
    return {
        "shipments": sorted(Shipment.objects.values_list("pk", "status")),
        "parcels": TransferParcel.objects.count(),
        "transfers": sorted(TransferOrder.objects.values_list("pk", "status")),
        "movements": Movement.objects.count(),
        "levels": sorted(StockLevel.objects.values_list("pk", "on_hand", "allocated")),
        "in_transit": sorted(InTransitStock.objects.values_list("pk", "qty")),
    }


def test_a_picked_transfer_is_labelled_collected_on_the_manifest_and_received(pair, boxes):
    transfer, product = picked_transfer(pair)

    done = transfer_label(transfer=transfer, warehouse=pair.a, parcels=[ParcelInput(weight_g=1800, carton_type=boxes["M"])],
                          actor=pair.manager)

    [parcel] = done.shipments
    assert not done.resumed
    assert (parcel.status, parcel.purpose) == (S.LABELLED, Shipment.Purpose.TRANSFER) and parcel.tracking_number
    assert (parcel.warehouse_id, parcel.destination_id, parcel.merchant_id, parcel.document) == (
        pair.a.pk, pair.b.pk, pair.merchant.pk, transfer.number)
    assert parcel.fulfillment_order_id is None and parcel.carton_id is None
    assert parcel.weight_g == 1800 and parcel.dimensions_mm == [350, 300, 200]
    assert bytes(parcel.label_pdf).startswith(b"%PDF") and parcel.label_zpl
    assert parcel.contents == [{"product_id": product.pk, "qty": 6}] and parcel.rate_reason
    assert TransferParcel.objects.get(shipment=parcel).transfer_id == transfer.pk
    # Labelled, not shipped: the units wait in the staging bin, still reserved at the source.
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PICKING
    assert level(product, pair.a) == (10, 6, 4) and not InTransitStock.objects.filter(qty__gt=0).exists()
    assert list(awaiting_manifest(warehouse=pair.a)) == [parcel]

    manifest = manifest_close(warehouse=pair.a, carrier=parcel.carrier, actor=pair.manager)

    parcel.refresh_from_db()
    transfer.refresh_from_db()
    assert (parcel.status, parcel.manifest_id) == (S.SHIPPED, manifest.pk) and parcel.shipped_xact_id
    assert transfer.status == TransferStatus.SHIPPED and transfer.shipped_at is not None
    assert (transfer.carrier, transfer.tracking_number) == (parcel.carrier, parcel.tracking_number)
    assert [line.shipped_qty for line in transfer.lines.all()] == [6]
    # Source on hand down, destination inbound up, neither counts it as available.
    assert level(product, pair.a) == (4, 0, 4)
    assert level(product, pair.b) == (0, 0, 0)
    assert [(row.product_id, row.qty) for row in in_transit_inbound(warehouse=pair.b)] == [(product.pk, 6)]
    out = Movement.objects.filter(product=product, kind=MovementKind.TRANSFER_OUT)
    assert sum(m.qty for m in out) == -6 and {m.reference for m in out} == {f"transfer:{transfer.number}"}
    assert {m.bin_id for m in out} == {pair.source.pack.pk}
    assert bytes(manifest.pdf).startswith(b"%PDF")
    assert_transfer_invariants()

    transfer_receive(transfer=transfer, product=product, qty=6, dock_bin=pair.dest.dock, actor=pair.manager)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert level(product, pair.b) == (6, 0, 6) and InTransitStock.objects.get(product=product).qty == 0
    assert_transfer_invariants()


def test_voiding_before_the_manifest_gives_the_transfer_back_to_picked_and_it_is_labelled_again(pair, boxes):
    transfer, product = picked_transfer(pair, qty=6, picked=4)
    [first] = transfer_label(transfer=transfer, warehouse=pair.a, parcels=[ParcelInput(weight_g=900, carton_type=boxes["S"])],
                             actor=pair.manager).shipments
    # While labelled it is neither picked further nor shipped by hand.
    with pytest.raises(TransferLabelled):
        transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack, qty=2,
                      actor=pair.manager)
    with pytest.raises(TransferLabelled):
        transfer_ship(transfer=transfer, actor=pair.manager, carrier="own truck", tracking_number="T1")

    transfer_labels_void(transfer=transfer, actor=pair.manager, reason="wrong box")

    first.refresh_from_db()
    transfer.refresh_from_db()
    assert first.status == S.VOIDED and first.voided_at is not None
    assert transfer.status == TransferStatus.PICKING and level(product, pair.a) == (10, 6, 4)
    with pytest.raises(Conflict):
        manifest_close(warehouse=pair.a, carrier=first.carrier, actor=pair.manager)
    assert Manifest.objects.count() == 0 and not InTransitStock.objects.filter(qty__gt=0).exists()

    transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack, qty=2, actor=pair.manager)
    again = transfer_label(transfer=transfer, warehouse=pair.a, actor=pair.manager,
                           parcels=[ParcelInput(weight_g=1500, carton_type=boxes["M"])] * 2).shipments
    assert [s.status for s in again] == [S.LABELLED, S.LABELLED]
    assert [s.contents for s in again] == [[{"product_id": product.pk, "qty": 6}], []]
    assert list(TransferParcel.objects.filter(shipment__in=again).values_list("number", flat=True)) == [1, 2]
    for carrier in sorted({s.carrier for s in again}):
        manifest_close(warehouse=pair.a, carrier=carrier, actor=pair.manager)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED and transfer.tracking_number == again[0].tracking_number
    assert InTransitStock.objects.get(product=product).qty == 6 and level(product, pair.a) == (4, 0, 4)
    with pytest.raises(TransferLabelRefused):
        transfer_labels_void(transfer=transfer, actor=pair.manager, reason="too late")
    assert_transfer_invariants()


def test_a_transfer_not_picked_of_another_warehouse_or_out_of_scope_is_refused_and_nothing_changes(pair, boxes):
    one = [ParcelInput(weight_g=1000, carton_type=boxes["M"])]
    product = ProductFactory(merchant=pair.merchant)
    stocked(pair, product, 5)
    released = draft(pair, [(product, 2)])
    transfer_release(transfer=released, actor=pair.manager)
    transfer, _ = picked_transfer(pair)
    outsider = UserFactory(role=roles.WAREHOUSE_MANAGER)
    StaffScope.objects.create(user=outsider).merchants.set([MerchantFactory()])
    before = world_picture()

    with pytest.raises(TransferLabelRefused, match="only a picked transfer"):
        transfer_label(transfer=released, warehouse=pair.a, parcels=one, actor=pair.manager)
    with pytest.raises(TransferLabelRefused, match=f"ships from {pair.a.code}"):
        transfer_label(transfer=transfer, warehouse=pair.b, parcels=one, actor=pair.manager)
    with pytest.raises(PermissionDenied):
        transfer_label(transfer=transfer, warehouse=pair.a, parcels=one, actor=outsider)
    with pytest.raises(NotFound, match="no transfer"):
        transfer_for_label_scan(warehouse=pair.a, raw=transfer.number, user=outsider)
    for parcels in ([], [ParcelInput(weight_g=0, carton_type=boxes["M"])], [ParcelInput(weight_g=500)],
                    [ParcelInput(weight_g=500, length_mm=10, width_mm=10, height_mm=9_999)],
                    [ParcelInput(weight_g=40_000, carton_type=boxes["S"])], [ParcelInput(weight_g=True, carton_type=boxes["S"])],
                    one * 21):
        with pytest.raises(InvalidParcel):
            transfer_label(transfer=transfer, warehouse=pair.a, parcels=parcels, actor=pair.manager)
    assert world_picture() == before

    [label] = transfer_label(transfer=transfer, warehouse=pair.a, parcels=one, actor=pair.manager).shipments
    labelled = world_picture()
    with pytest.raises(TransferLabelRefused, match="already labelled") as refused:
        transfer_label(transfer=transfer, warehouse=pair.a, parcels=one, actor=pair.manager)
    assert refused.value.status_code == 409 and label.tracking_number in refused.value.message
    assert world_picture() == labelled


def test_a_scan_names_the_transfer_by_number_or_by_its_staging_bin(pair):
    transfer, _ = picked_transfer(pair)
    for raw in (transfer.number, transfer.number.lower(), f"BIN:{pair.source.pack.code}", pair.source.pack.code):
        assert transfer_for_label_scan(warehouse=pair.a, raw=raw, user=pair.manager) == transfer
    other, _ = picked_transfer(pair)
    with pytest.raises(TransferLabelRefused, match="scan the transfer's number"):
        transfer_for_label_scan(warehouse=pair.a, raw=pair.source.pack.code, user=pair.manager)
    with pytest.raises(NotFound, match="no picked transfer waits"):
        transfer_for_label_scan(warehouse=pair.a, raw=pair.shelf.code, user=pair.manager)
    for raw in ("", "   ", "TR\x00", "x" * 81):
        with pytest.raises(InvalidParcel):
            transfer_for_label_scan(warehouse=pair.a, raw=raw, user=pair.manager)
    assert transfer_for_label_scan(warehouse=pair.a, raw=other.number, user=pair.manager) == other


def test_parcels_are_entered_like_a_pack_out(boxes):
    parsed = parcels_parse("M 1250\nBOX:S W:900\nL 1.5kg\n600x400x300 8kg\n")
    assert [(p.carton_type.code if p.carton_type else None, p.weight_g) for p in parsed] == [
        ("M", 1250), ("S", 900), ("L", 1500), (None, 8000)]
    assert (parsed[3].length_mm, parsed[3].width_mm, parsed[3].height_mm) == (600, 400, 300)
    for bad in ("M", "XL 1kg", "M 1kg\x00", "M 1kg\n" * 21):
        with pytest.raises(InvalidParcel):
            parcels_parse(bad)


def test_a_transfer_parcel_is_tracked_without_an_order_and_stays_out_of_the_erp_order_feed(pair, boxes):
    transfer, _ = picked_transfer(pair)
    [parcel] = transfer_label(transfer=transfer, warehouse=pair.a, parcels=[ParcelInput(weight_g=1000, carton_type=boxes["M"])],
                              actor=pair.manager).shipments
    manifest_close(warehouse=pair.a, carrier=parcel.carrier, actor=pair.manager)
    status = tracking_record(shipment_id=parcel.pk, events=[TrackingEvent(
        status=TrackingStatus.DELIVERED, description="Delivered to the dock", occurred_at=timezone.now())])
    assert status == S.DELIVERED
    finance = UserFactory(role=roles.OPS_MANAGER)
    page = erp_feed_page(feed_name="shipments", user=finance, cursor=None)
    assert all(row["id"] != parcel.pk for row in page.rows)


def test_the_end_of_day_close_out_ships_a_labelled_transfer_and_reports_a_stuck_one(pair, boxes):
    transfer, product = picked_transfer(pair)
    [parcel] = transfer_label(transfer=transfer, warehouse=pair.a, parcels=[ParcelInput(weight_g=1000, carton_type=boxes["M"])],
                              actor=pair.manager).shipments
    stuck, _ = picked_transfer(pair)
    [waiting] = transfer_label(transfer=stuck, warehouse=pair.a, parcels=[ParcelInput(weight_g=1000, carton_type=boxes["M"])],
                               actor=pair.manager).shipments
    # As a crash between the purchase and its record leaves it: awaiting its label, the carrier's words kept.
    Shipment.objects.filter(pk=waiting.pk).update(status=S.AWAITING_LABEL, problem="label not bought: carrier down")

    close = day_close_run(warehouse=pair.a, actor=pair.manager)

    parcel.refresh_from_db()
    transfer.refresh_from_db()
    assert parcel.status == S.SHIPPED and transfer.status == TransferStatus.SHIPPED
    assert close.report["manifests"] == [{"carrier": parcel.carrier, "manifest": parcel.manifest_id, "cartons": 1, "problem": ""}]
    assert [(row["shipment"], row["order"]) for row in close.report["exceptions"]] == [(waiting.pk, stuck.number)]
    assert TransferOrder.objects.get(pk=stuck.pk).status == TransferStatus.PICKING
    assert InTransitStock.objects.get(product=product).qty == 6
    assert_transfer_invariants()


# --- REST and pages ---------------------------------------------------------------------------------------------------

def test_rest_labels_by_number_or_bin_refuses_twice_and_voids(api_client, pair, boxes):
    transfer, product = picked_transfer(pair)
    api_client.force_authenticate(pair.manager)
    url = f"/api/v1/warehouses/{pair.a.code}/transfer-labels/"
    body = {"scan": f"BIN:{pair.source.pack.code}", "parcels": [{"carton_type": "m", "weight_g": 1200}]}

    created = api_client.post(url, body, format="json")

    assert created.status_code == 201, created.content
    data = created.json()
    [shipment] = data["shipments"]
    assert data["transfer"]["number"] == transfer.number and data["resumed"] is False
    assert (shipment["purpose"], shipment["transfer"], shipment["destination"]) == ("transfer", transfer.number, pair.b.code)
    assert shipment["order_number"] is None and shipment["carton"] is None and shipment["status"] == "labelled"
    assert data["transfer"]["parcels"][0]["tracking_number"] == shipment["tracking_number"]
    pdf = api_client.get(f"/api/v1/shipments/{shipment['id']}/label.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    listed = api_client.get("/api/v1/shipments/", {"status": "labelled"}).json()
    assert [row["transfer"] for row in listed["results"]] == [transfer.number]

    before = world_picture()
    again = api_client.post(url, {**body, "scan": transfer.number}, format="json")
    assert again.status_code == 409 and "already labelled" in again.json()["detail"]
    assert world_picture() == before
    for bad in ({**body, "scan": "TR\x00"}, {**body, "parcels": []}, {**body, "parcels": [{"weight_g": 0}]},
                {**body, "parcels": [{"carton_type": "NOPE", "weight_g": 10}]}, {"scan": transfer.number}):
        answer = api_client.post(url, bad, format="json")
        assert answer.status_code == 400, (bad, answer.content)
    assert api_client.post(url, {**body, "scan": "NOTHING-HERE"}, format="json").status_code == 404
    assert api_client.post(f"/api/v1/warehouses/{pair.b.code}/transfer-labels/", {**body, "scan": transfer.number},
                           format="json").status_code == 409
    assert world_picture() == before

    assert api_client.post(f"/api/v1/transfers/{transfer.pk}/labels/void/", {}, format="json").status_code == 400
    voided = api_client.post(f"/api/v1/transfers/{transfer.pk}/labels/void/", {"reason": "re-box"}, format="json")
    assert voided.status_code == 200 and voided.json()["parcels"][0]["status"] == "voided"
    assert api_client.post(f"/api/v1/transfers/{transfer.pk}/labels/void/", {"reason": "again"},
                           format="json").status_code == 409

    relabelled = api_client.post(url, {**body, "scan": transfer.number}, format="json")
    assert relabelled.status_code == 201
    carrier = relabelled.json()["shipments"][0]["carrier"]
    closed = api_client.post(f"/api/v1/warehouses/{pair.a.code}/manifests/", {"carrier": carrier}, format="json")
    assert closed.status_code == 201, closed.content
    detail = api_client.get(f"/api/v1/transfers/{transfer.pk}/").json()
    assert detail["status"] == "shipped" and detail["tracking_number"] == relabelled.json()["shipments"][0]["tracking_number"]
    assert InTransitStock.objects.get(product=product).qty == 6
    assert_transfer_invariants()


def test_the_shipment_void_endpoint_voids_a_transfer_parcel_back_to_picked(api_client, pair, boxes):
    transfer, _ = picked_transfer(pair)
    [parcel] = transfer_label(transfer=transfer, warehouse=pair.a, parcels=[ParcelInput(weight_g=1000, carton_type=boxes["M"])],
                              actor=pair.manager).shipments
    api_client.force_authenticate(pair.manager)
    answer = api_client.post(f"/api/v1/shipments/{parcel.pk}/void/", {"reason": "wrong lane"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "voided"
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PICKING


def test_the_station_page_labels_and_the_pages_show_the_label_path_first(client, pair, boxes):
    transfer, product = picked_transfer(pair)
    client.force_login(pair.manager)
    detail = client.get(reverse("warehouse:transfer_detail", args=[transfer.pk])).content.decode()
    assert "data-label-path" in detail and detail.index("data-label-path") < detail.index("data-ship-by-hand")
    station = client.get(reverse("warehouse:transfer_label_station", args=[pair.a.code]))
    assert station.status_code == 200 and f'data-waiting="{transfer.number}"' in station.content.decode()

    refused = client.post(reverse("warehouse:transfer_label_submit", args=[pair.a.code]),
                          {"code": transfer.number, "parcels": "M"})
    assert refused.status_code == 400 and 'data-scan-result="error"' in refused.content.decode()
    before = world_picture()
    for garbage in ({}, {"code": "\x00"}, {"code": transfer.number, "parcels": "\x00"}, {"code": "x" * 5000, "parcels": "M 1kg"},
                    {"code": transfer.number, "parcels": "M 99999999kg"}, {"code": transfer.number, "parcels": "0x0x0 1kg"},
                    {"code": transfer.number, "parcels": "M 1kg\n" * 500}, {"code": "BIN:", "parcels": "M 1kg"}):
        answer = client.post(reverse("warehouse:transfer_label_submit", args=[pair.a.code]), garbage)
        assert 400 <= answer.status_code < 500, (garbage, answer.status_code)
    assert world_picture() == before
    answer = client.post(reverse("warehouse:transfer_label_submit", args=[pair.a.code]),
                         {"code": transfer.number, "parcels": "M 1.2kg"})

    page = answer.content.decode()
    parcel = Shipment.objects.get(status=S.LABELLED)
    assert answer.status_code == 200 and 'data-scan-result="ok"' in page and parcel.tracking_number in page
    assert reverse("warehouse:shipment_label", args=[parcel.pk, "pdf"]) in page
    twice = client.post(reverse("warehouse:transfer_label_submit", args=[pair.a.code]),
                        {"code": transfer.number, "parcels": "M 1.2kg"})
    assert twice.status_code == 409 and Shipment.objects.count() == 1
    manifests = client.get(reverse("warehouse:manifests")).content.decode()
    assert f'data-transfer="{transfer.number}"' in manifests
    detail = client.get(reverse("warehouse:transfer_detail", args=[transfer.pk])).content.decode()
    assert "data-ship-by-hand" not in detail and "void_labels" in detail

    client.post(reverse("warehouse:manifest_close", args=[pair.a.code]), {"carrier": parcel.carrier})
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED and InTransitStock.objects.get(product=product).qty == 6
    assert_transfer_invariants()


def test_the_transfer_page_voids_the_labels_and_the_manifests_page_too(client, pair, boxes):
    transfer, _ = picked_transfer(pair)
    client.force_login(pair.manager)
    one = [ParcelInput(weight_g=1000, carton_type=boxes["M"])]
    transfer_label(transfer=transfer, warehouse=pair.a, parcels=one, actor=pair.manager)
    client.post(reverse("warehouse:transfer_action", args=[transfer.pk]), {"action": "void_labels", "reason": "redo"})
    assert not Shipment.objects.filter(status=S.LABELLED).exists()
    [parcel] = transfer_label(transfer=transfer, warehouse=pair.a, parcels=one, actor=pair.manager).shipments
    client.post(reverse("warehouse:shipment_void", args=[parcel.pk]), {"reason": "redo"})
    parcel.refresh_from_db()
    assert parcel.status == S.VOIDED
    shipped = client.post(reverse("warehouse:transfer_action", args=[transfer.pk]),
                          {"action": "ship", "carrier": "own truck", "tracking_number": "PRO-9"})
    assert shipped.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED and transfer.tracking_number == "PRO-9"
    assert_transfer_invariants()
