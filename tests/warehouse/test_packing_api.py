"""Pack-out over REST, as a packing app does it: station scans from tote to labels, the pack's state, label
downloads, voids, end-of-day manifests and packing slips."""

import uuid

import pytest

from core import roles
from inventory.models import BinStock, Movement
from orders.models import FulfillmentOrder, Order
from shipping import tracking_numbers
from shipping.models import Manifest, Shipment
from tests.factories import UserFactory, merchant_user
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import gtin_of
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product
from warehouse.models import CartonItem, Pack, StationScan

pytestmark = pytest.mark.django_db


@pytest.fixture
def ps(roles_ready):
    site = build_pick_site()
    carton_types()
    return site


@pytest.fixture
def packer(roles_ready):
    return UserFactory(role=roles.PACKER)


def scan(api, ps, code, sid=None):
    url = f"/api/v1/warehouses/{ps.warehouse.code}/pack-stations/{ps.pack.code}/scans/"
    return api.post(url, {"scan_id": str(sid or uuid.uuid4()), "code": code}, format="json")


def ok(response) -> dict:
    assert response.status_code == 200 and response.json()["ok"], response.content
    return response.json()


def packed_and_labelled(api, ps, packer, lines) -> tuple[Order, int]:
    """Pick `lines`, then pack and label the order over the API; returns (order, pack id)."""
    order, tote = picked(ps, lines)
    api.force_authenticate(packer)
    pack_id = ok(scan(api, ps, f"TOTE:{tote.code}"))["data"]["pack_id"]
    for item, qty in lines:
        ok(scan(api, ps, f"x{qty}"))
        ok(scan(api, ps, item.sku))
    ok(scan(api, ps, "CMD:DONE"))
    return order, pack_id


def test_a_packer_packs_a_picked_order_over_the_api_and_downloads_the_labels(api_client, ps, packer):
    shirt, mug, stranger = product(ps), product(ps), product(ps)
    order, tote = picked(ps, [(shirt, 2), (mug, 1)])
    api_client.force_authenticate(packer)

    started = ok(scan(api_client, ps, f"TOTE:{tote.code}"))
    assert started["message"] == f"Packing {order.order_number} into carton M: scan every unit"
    pack_id = started["data"]["pack_id"]
    before = Movement.objects.count()

    wrong = scan(api_client, ps, gtin_of(stranger))
    assert wrong.status_code == 422 and wrong.json()["ok"] is False
    assert wrong.json()["message"] == f"wrong item: {gtin_of(stranger)} is not in order {order.order_number}"
    assert not CartonItem.objects.exists()
    ok(scan(api_client, ps, shirt.sku))
    assert ok(scan(api_client, ps, gtin_of(shirt)))["data"] == {"left": 1, "carton": 1, "pack_id": pack_id}
    extra = scan(api_client, ps, shirt.sku)
    assert extra.status_code == 422 and "extra unit" in extra.json()["message"]
    early = scan(api_client, ps, "CMD:DONE")
    assert early.status_code == 422 and early.json()["message"].startswith(f"missing: 1 x {mug.sku} not packed yet")
    assert CartonItem.objects.get().qty == 2 and not Shipment.objects.exists()
    assert Movement.objects.count() == before

    middle = api_client.get(f"/api/v1/packs/{pack_id}/")
    assert middle.status_code == 200, middle.content
    pack = middle.json()
    assert (pack["order_number"], pack["status"], pack["tote"], pack["pack_station"], pack["packer"]) == (
        order.order_number, "open", tote.code, ps.pack.code, packer.username)
    assert [(line["sku"], line["name"], line["expected"], line["packed"], line["missing"]) for line in pack["lines"]] == [
        (shirt.sku, shirt.name, 2, 2, 0), (mug.sku, mug.name, 1, 0, 1)]
    assert pack["cartons"] == [{"number": 1, "carton_type": "M", "weight_g": None, "status": "open",
                                "items": [{"order_line_id": pack["lines"][0]["order_line_id"], "sku": shirt.sku,
                                           "name": shirt.name, "qty": 2}]}]
    assert pack["suggested_carton_type"] == "S" and pack["shipments"] == []

    assert ok(scan(api_client, ps, mug.sku))["data"]["left"] == 0
    assert ok(scan(api_client, ps, "W:1900"))["message"] == "Carton 1 weighs 1.900 kg"
    done = ok(scan(api_client, ps, "CMD:DONE"))

    shipment = Shipment.objects.get()
    assert done["data"]["shipments"] == [shipment.pk] and shipment.tracking_number in done["message"]
    assert tracking_numbers.is_valid(shipment.carrier, shipment.tracking_number)
    assert shipment.weight_g == 1900
    assert FulfillmentOrder.objects.get(order=order).status == FulfillmentOrder.Status.PACKED
    assert not BinStock.objects.filter(bin=tote, qty__gt=0).exists()

    labelled = api_client.get(f"/api/v1/packs/{pack_id}/").json()
    assert (labelled["status"], labelled["tote"], labelled["suggested_carton_type"]) == ("labelled", ps.pack.code, None)
    assert [(c["number"], c["status"], c["weight_g"]) for c in labelled["cartons"]] == [(1, "closed", 1900)]
    [label] = labelled["shipments"]
    assert (label["id"], label["tracking_number"], label["carrier"], label["status"], label["order_number"]) == (
        shipment.pk, shipment.tracking_number, shipment.carrier, "labelled", order.order_number)
    assert label["rate_reason"] and label["carton"] == 1 and label["pack"] == pack_id

    pdf = api_client.get(label["label_pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    assert f"label-{shipment.tracking_number}.pdf" in pdf["Content-Disposition"]
    asked_for_pdf = api_client.get(f"/api/v1/shipments/{shipment.pk}/label.pdf", HTTP_ACCEPT="application/pdf")
    assert asked_for_pdf.status_code == 200 and asked_for_pdf.content == pdf.content
    zpl = api_client.get(label["label_zpl_url"])
    assert zpl.status_code == 200 and zpl["Content-Type"] == "application/zpl" and "^BC" in zpl.content.decode()
    missing = api_client.get(f"/api/v1/shipments/{shipment.pk + 999}/label.pdf", HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"

    slip = api_client.get(f"/api/v1/fulfillment-orders/{FulfillmentOrder.objects.get(order=order).pk}/packing-slip.pdf")
    assert slip.status_code == 200 and slip["Content-Type"] == "application/pdf" and slip.content[:4] == b"%PDF"
    assert StationScan.objects.filter(station="pack").count() == 9
    assert_stock_invariants()


def test_a_double_submitted_scan_applies_once(api_client, ps, packer):
    shirt = product(ps)
    _, tote = picked(ps, [(shirt, 3)])
    api_client.force_authenticate(packer)
    start = uuid.uuid4()
    first_start = ok(scan(api_client, ps, f"TOTE:{tote.code}", start))
    again_start = ok(scan(api_client, ps, f"TOTE:{tote.code}", start))
    assert again_start["replayed"] and again_start["data"] == first_start["data"]
    assert Pack.objects.count() == 1

    item = uuid.uuid4()
    first = ok(scan(api_client, ps, shirt.sku, item))
    again = ok(scan(api_client, ps, shirt.sku, item))
    assert not first["replayed"] and again["replayed"] and again["message"] == first["message"]
    assert CartonItem.objects.get().qty == 1

    done = uuid.uuid4()
    refused = scan(api_client, ps, "CMD:DONE", done)
    ok(scan(api_client, ps, "x2"))
    ok(scan(api_client, ps, shirt.sku))
    retried = scan(api_client, ps, "CMD:DONE", done)
    assert retried.status_code == 422 and retried.json()["replayed"]
    assert retried.json()["message"] == refused.json()["message"] and not Shipment.objects.exists()
    ok(scan(api_client, ps, "CMD:DONE"))
    assert Shipment.objects.count() == 1


def test_voiding_a_label_returns_the_order_to_pack_and_the_manifest_ships_it(api_client, ps, packer):
    shirt, mug = product(ps), product(ps)
    order, first_pack = packed_and_labelled(api_client, ps, packer, [(shirt, 1), (mug, 2)])
    shipment = Shipment.objects.get()
    fulfillment = FulfillmentOrder.objects.get(order=order)

    for bad in ({}, {"reason": "  "}, {"reason": "r" * 501}, {"reason": "a\x00b"}):
        refused = api_client.post(f"/api/v1/shipments/{shipment.pk}/void/", bad, format="json")
        assert refused.status_code == 400 and "reason" in refused.json(), (bad, refused.content)
    assert Shipment.objects.get().status == Shipment.Status.LABELLED and not order.events.filter(kind="label_void").exists()

    voided = api_client.post(f"/api/v1/shipments/{shipment.pk}/void/", {"reason": "wrong address on the label"}, format="json")

    assert voided.status_code == 200, voided.content
    assert (voided.json()["status"], voided.json()["tracking_number"]) == ("voided", shipment.tracking_number)
    assert voided.json()["voided_at"]
    assert order.events.get(kind="label_void").message.endswith("void asked: wrong address on the label")
    fulfillment.refresh_from_db()
    assert fulfillment.status == FulfillmentOrder.Status.PICKING
    assert Pack.objects.get(pk=first_pack).status == Pack.Status.CANCELLED
    twice = api_client.post(f"/api/v1/shipments/{shipment.pk}/void/", {"reason": "wrong address on the label"}, format="json")
    assert twice.status_code == 409 and "only a label not yet collected can be voided" in twice.json()["detail"]

    again = ok(scan(api_client, ps, order.order_number))
    assert again["data"]["pack_id"] != first_pack
    ok(scan(api_client, ps, shirt.sku))
    ok(scan(api_client, ps, "x2"))
    ok(scan(api_client, ps, gtin_of(mug)))
    ok(scan(api_client, ps, "CMD:DONE"))
    label = Shipment.objects.get(status=Shipment.Status.LABELLED)

    code = ps.warehouse.code
    waiting = api_client.get(f"/api/v1/shipments/?status=labelled&warehouse={code}&carrier={label.carrier}").json()
    assert [(s["id"], s["order_number"], s["weight_g"]) for s in waiting["results"]] == [
        (label.pk, order.order_number, label.weight_g)]
    row = waiting["results"][0]
    assert (row["service"], row["rate_amount"], row["rate_reason"]) == (
        label.service, f"{label.rate_amount:.2f}", label.rate_reason)
    assert row["label_pdf_url"].endswith(f"/api/v1/shipments/{label.pk}/label.pdf")
    assert api_client.get("/api/v1/shipments/?warehouse=ELSEWHERE").json()["count"] == 0
    assert api_client.get(f"/api/v1/shipments/?warehouse={code}").json()["count"] == 2

    nothing = api_client.post(f"/api/v1/warehouses/{code}/manifests/", {"carrier": "DHL"}, format="json")
    assert nothing.status_code == 409 and nothing.json()["detail"] == f"no DHL labels waiting at {code}"
    assert api_client.post(f"/api/v1/warehouses/{code}/manifests/", {}, format="json").status_code == 400

    closed = api_client.post(f"/api/v1/warehouses/{code}/manifests/", {"carrier": label.carrier}, format="json")

    assert closed.status_code == 201, closed.content
    manifest = Manifest.objects.get()
    body = closed.json()
    assert (body["id"], body["warehouse"], body["carrier"], body["closed_by"], body["shipments"]) == (
        manifest.pk, code, label.carrier, packer.username, 1)
    assert body["closed_at"] and body["pdf_url"].endswith(f"/api/v1/manifests/{manifest.pk}.pdf")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    fulfillment.refresh_from_db()
    assert (fulfillment.status, fulfillment.tracking_number) == (FulfillmentOrder.Status.SHIPPED, label.tracking_number)
    label.refresh_from_db()
    assert (label.status, label.manifest) == (Shipment.Status.SHIPPED, manifest)
    assert not BinStock.objects.filter(bin=ps.pack, qty__gt=0).exists()
    assert_stock_invariants()

    pdf = api_client.get(body["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    listed = api_client.get(f"/api/v1/manifests/?warehouse={code}").json()
    assert [(m["id"], m["shipments"]) for m in listed["results"]] == [(manifest.pk, 1)]
    assert api_client.get("/api/v1/manifests/?warehouse=ELSEWHERE").json()["count"] == 0
    shipped = api_client.post(f"/api/v1/shipments/{label.pk}/void/", {"reason": "wrong address on the label"}, format="json")
    assert shipped.status_code == 409
    assert shipped.json()["detail"] == f"{label} is shipped: only a label not yet collected can be voided"
    assert FulfillmentOrder.objects.get(pk=fulfillment.pk).status == FulfillmentOrder.Status.SHIPPED


def test_another_packer_gets_403_on_someone_elses_pack_and_a_manager_releases_it(api_client, ps, packer):
    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 2)])
    api_client.force_authenticate(packer)
    pack_id = ok(scan(api_client, ps, f"TOTE:{tote.code}"))["data"]["pack_id"]
    ok(scan(api_client, ps, shirt.sku))
    intruder = UserFactory(role=roles.PACKER)
    api_client.force_authenticate(intruder)

    mine = f"pack PK-{pack_id} is not yours: it belongs to {packer.username}"
    for response in (api_client.get(f"/api/v1/packs/{pack_id}/"),
                     api_client.post(f"/api/v1/packs/{pack_id}/release/", {}, format="json")):
        assert response.status_code == 403 and response.json()["detail"] == mine
    taken = scan(api_client, ps, f"TOTE:{tote.code}")
    assert taken.status_code == 422 and taken.json()["message"] == f"{order.order_number} is being packed by {packer}"
    assert Pack.objects.get().status == Pack.Status.OPEN and CartonItem.objects.get().qty == 1

    api_client.force_authenticate(ps.manager)
    assert api_client.get(f"/api/v1/packs/{pack_id}/").json()["packer"] == packer.username
    released = api_client.post(f"/api/v1/packs/{pack_id}/release/", {}, format="json")
    assert released.status_code == 200, released.content
    assert (released.json()["status"], released.json()["cartons"]) == ("cancelled", [])
    again = api_client.post(f"/api/v1/packs/{pack_id}/release/", {}, format="json")
    assert again.status_code == 409 and again.json()["detail"] == f"PK-{pack_id} is cancelled"

    api_client.force_authenticate(intruder)
    assert ok(scan(api_client, ps, f"TOTE:{tote.code}"))["data"]["pack_id"] != pack_id
    ok(scan(api_client, ps, "x2"))
    ok(scan(api_client, ps, shirt.sku))
    ok(scan(api_client, ps, "CMD:DONE"))
    assert FulfillmentOrder.objects.get(order=order).status == FulfillmentOrder.Status.PACKED
    assert_stock_invariants()


def test_the_packer_releases_their_own_pack_with_the_endpoint_or_the_command(api_client, ps, packer):
    shirt = product(ps)
    _, tote = picked(ps, [(shirt, 1)])
    api_client.force_authenticate(packer)
    first = ok(scan(api_client, ps, f"TOTE:{tote.code}"))["data"]["pack_id"]
    assert api_client.post(f"/api/v1/packs/{first}/release/", {}, format="json").json()["status"] == "cancelled"
    second = ok(scan(api_client, ps, f"TOTE:{tote.code}"))["data"]["pack_id"]
    assert ok(scan(api_client, ps, "CMD:RELEASE"))["data"] == {"released": True, "pack_id": second}
    assert set(Pack.objects.values_list("status", flat=True)) == {"cancelled"}


def test_carton_types_lists_the_active_ones(api_client, ps, packer):
    types = carton_types()
    types["L"].is_active = False
    types["L"].save()
    api_client.force_authenticate(packer)
    listed = api_client.get("/api/v1/carton-types/").json()
    assert [(t["code"], t["length_mm"], t["width_mm"], t["height_mm"], t["tare_g"]) for t in listed["results"]] == [
        ("S", 250, 200, 100, 150), ("M", 350, 300, 200, 250)]


def test_an_unknown_station_or_a_bin_that_is_not_one_answers_404(api_client, ps, packer):
    api_client.force_authenticate(packer)
    body = {"scan_id": str(uuid.uuid4()), "code": "TOTE:T-001"}
    for station in ("PACK-404", ps.shelves[0].code):
        url = f"/api/v1/warehouses/{ps.warehouse.code}/pack-stations/{station}/scans/"
        assert api_client.post(url, body, format="json").status_code == 404
    url = f"/api/v1/warehouses/{ps.warehouse.code}/pack-stations/{ps.pack.code}/scans/"
    assert api_client.post(url, {"code": "TOTE:T-001"}, format="json").status_code == 400
    assert not StationScan.objects.exists()


@pytest.mark.parametrize("role", [roles.MERCHANT, roles.PICKER, roles.RECEIVER, roles.OPS_MANAGER])
def test_merchants_pickers_and_other_roles_are_refused_everywhere(api_client, ps, packer, role):
    shirt = product(ps)
    order, pack_id = packed_and_labelled(api_client, ps, packer, [(shirt, 1)])
    shipment = Shipment.objects.get()
    fulfillment = FulfillmentOrder.objects.get(order=order)
    manifest = Manifest.objects.create(warehouse=ps.warehouse, carrier="UPS", pdf=b"%PDF-1.4")
    scans = StationScan.objects.count()
    api_client.force_authenticate(merchant_user(ps.merchant) if role == roles.MERCHANT else UserFactory(role=role))
    code = ps.warehouse.code

    refused = [
        scan(api_client, ps, "TOTE:T-001"),
        api_client.get(f"/api/v1/packs/{pack_id}/"),
        api_client.post(f"/api/v1/packs/{pack_id}/release/", {}, format="json"),
        api_client.get("/api/v1/carton-types/"),
        api_client.get("/api/v1/shipments/?status=labelled"),
        api_client.get(f"/api/v1/shipments/{shipment.pk}/label.pdf"),
        api_client.get(f"/api/v1/shipments/{shipment.pk}/label.zpl"),
        api_client.post(f"/api/v1/shipments/{shipment.pk}/void/", {"reason": "wrong address on the label"}, format="json"),
        api_client.post(f"/api/v1/warehouses/{code}/manifests/", {"carrier": shipment.carrier}, format="json"),
        api_client.get("/api/v1/manifests/"),
        api_client.get(f"/api/v1/manifests/{manifest.pk}.pdf"),
        api_client.get(f"/api/v1/fulfillment-orders/{fulfillment.pk}/packing-slip.pdf"),
    ]

    assert [r.status_code for r in refused] == [403] * len(refused)
    assert all(r["Content-Type"] == "application/json" for r in refused)
    assert StationScan.objects.count() == scans and Manifest.objects.count() == 1
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.LABELLED
    assert FulfillmentOrder.objects.get(pk=fulfillment.pk).status == FulfillmentOrder.Status.PACKED
