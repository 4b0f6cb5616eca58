"""Inbound over REST and on the staff pages: POs (form, API, CSV), station scans applied once, tenancy."""

import io
import uuid

import pytest
from django.urls import reverse

from core import roles
from inventory.models import BinStock, Movement
from tests.concurrency import run_in_threads
from tests.factories import MerchantFactory, ProductFactory, UserFactory, merchant_user
from tests.warehouse.inbound import build_site, make_po, new_product, scan_id
from warehouse.inbound.services.receiving import receipt_open, receiving_scan
from warehouse.models import PurchaseOrder, PutawayTask, Receipt, ReceivingException, StationScan
from warehouse.services.station_scans import BadScanId, apply_scan_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(roles_ready):
    return build_site()


def po_body(site, product, **overrides):
    body = {"merchant": site.merchant.code, "warehouse": site.warehouse.code, "number": "po-77", "supplier": "Acme Mills",
            "expected_date": "2026-12-01", "lines": [{"sku": product.sku, "qty": 6}]}
    body.update(overrides)
    return body


class TestPurchaseOrders:
    def test_api_create_then_a_full_receive_and_putaway_as_a_handheld_would(self, api_client, site):
        product = new_product(site)
        api_client.force_authenticate(site.manager)
        created = api_client.post("/api/v1/purchase-orders/", po_body(site, product), format="json")
        assert created.status_code == 201, created.content
        assert created.json()["number"] == "PO-77" and created.json()["lines"][0]["expected_qty"] == 6
        api_client.force_authenticate(site.receiver)
        receipt = api_client.post("/api/v1/receipts/", {"purchase_order": created.json()["id"]}, format="json").json()
        assert receipt["dock_bin"] == "DOCK-1"
        scan_url = f"/api/v1/receipts/{receipt['id']}/scans/"
        assert api_client.post(scan_url, {"scan_id": scan_id(), "code": "x6"}, format="json").status_code == 200
        ok = api_client.post(scan_url, {"scan_id": scan_id(), "code": product.sku}, format="json")
        assert ok.json()["ok"] and ok.json()["data"]["line_received"] == 6
        bad = api_client.post(scan_url, {"scan_id": scan_id(), "code": "BIN:NOPE"}, format="json")
        assert bad.status_code == 422 and "no bin NOPE" in bad.json()["message"]
        closed = api_client.post(f"/api/v1/receipts/{receipt['id']}/close/", {"complete": True}, format="json")
        assert closed.json()["status"] == "putaway"
        task = api_client.post(f"/api/v1/warehouses/{site.warehouse.code}/putaway/claim/", {}, format="json").json()
        assert task["sku"] == product.sku and task["suggested_bin"]
        confirm = {"scan_id": scan_id(), "bin": task["suggested_bin"], "qty": 6}
        done = api_client.post(f"/api/v1/putaway-tasks/{task['id']}/confirm/", confirm, format="json")
        assert done.status_code == 200 and done.json()["data"]["status"] == "done"
        again = api_client.post(f"/api/v1/putaway-tasks/{task['id']}/confirm/", confirm, format="json")
        assert again.json()["replayed"] is True
        assert BinStock.objects.get(bin__code=task["suggested_bin"], product=product).qty == 6
        assert api_client.get(f"/api/v1/receipts/{receipt['id']}/").json()["dock_to_stock_seconds"] is not None
        assert api_client.post(f"/api/v1/warehouses/{site.warehouse.code}/putaway/claim/", {}, format="json").status_code == 204

    @pytest.mark.parametrize("bad, words", [
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "NOPE", "qty": 1}]}, "unknown SKU"),
        ({"lines": [{"sku": "X", "qty": -3}]}, "qty"),
        ({"warehouse": "nowhere"}, "unknown warehouse"),
    ])
    def test_bad_purchase_orders_are_refused_and_nothing_is_created(self, api_client, site, bad, words):
        api_client.force_authenticate(site.manager)
        response = api_client.post("/api/v1/purchase-orders/", po_body(site, new_product(site), **bad), format="json")
        assert response.status_code == 400 and words in response.content.decode()
        assert not PurchaseOrder.objects.exists()

    def test_a_merchant_creates_and_sees_only_its_own_purchase_orders(self, api_client, site):
        product = new_product(site)
        own = merchant_user(site.merchant)
        other = MerchantFactory()
        make_po(site, [(product, 1)], number="STAFF-1")
        foreign_product = ProductFactory(merchant=other)
        api_client.force_authenticate(own)
        assert api_client.post("/api/v1/purchase-orders/", po_body(site, product, merchant=other.code),
                               format="json").status_code == 403
        body = po_body(site, product)
        del body["merchant"]
        mine = api_client.post("/api/v1/purchase-orders/", body, format="json")
        assert mine.status_code == 201
        api_client.force_authenticate(merchant_user(other))
        assert api_client.get("/api/v1/purchase-orders/").json()["results"] == []
        assert api_client.get(f"/api/v1/purchase-orders/{mine.json()['id']}/").status_code == 404
        assert foreign_product.merchant == other
        assert api_client.post("/api/v1/receipts/", {"purchase_order": mine.json()["id"]}, format="json").status_code == 403

    def test_csv_import_streams_documents_and_is_all_or_nothing(self, api_client, site):
        a, b = new_product(site), new_product(site)
        good = (
            "merchant,warehouse,number,kind,supplier,sku,qty,sscc,lot,expiry\n"
            f"{site.merchant.code},{site.warehouse.code},PO-1,po,Mill,{a.sku},5,,,\n"
            f"{site.merchant.code},{site.warehouse.code},PO-1,po,Mill,{b.sku},2,,,\n"
            f"{site.merchant.code},{site.warehouse.code},ASN-9,asn,Mill,{a.sku},12,00106141410000000019,L1,2027-03-31\n"
        )
        api_client.force_authenticate(site.manager)
        response = api_client.post("/api/v1/purchase-orders/csv/", {"file": io.BytesIO(good.encode())}, format="multipart")
        assert response.status_code == 201 and response.json() == {"created": 2}
        assert PurchaseOrder.objects.get(number="PO-1").lines.count() == 2
        assert PurchaseOrder.objects.get(number="ASN-9").cartons.get().lot == "L1"
        bad = good.replace("PO-1", "PO-2").replace("ASN-9", "ASN-10").replace(",2,,,", ",zero,,,")
        response = api_client.post("/api/v1/purchase-orders/csv/", {"file": io.BytesIO(bad.encode())}, format="multipart")
        assert response.status_code == 400 and "line 3" in response.json()["detail"]
        assert PurchaseOrder.objects.count() == 2

    def test_staff_page_creates_a_po_and_shows_expected_received_damaged(self, client, site):
        product = new_product(site)
        client.force_login(site.manager)
        response = client.post(reverse("warehouse:po_create"), {
            "merchant": site.merchant.pk, "warehouse": site.warehouse.pk, "number": "web-1", "kind": "po",
            "tolerance": "10", "allow_unexpected": "1", "lines": f"{product.sku}, 4\n",
        })
        po = PurchaseOrder.objects.get(number="WEB-1")
        assert response.status_code == 302
        receipt = receipt_open(purchase_order=po, actor=site.receiver)
        receiving_scan(receipt=receipt, raw="CMD:DAMAGED", actor=site.receiver)
        receiving_scan(receipt=receipt, raw=product.sku, actor=site.receiver)
        receiving_scan(receipt=receipt, raw=product.sku, actor=site.receiver)
        page = client.get(reverse("warehouse:po_detail", args=[po.pk])).content.decode()
        assert f"<td>{product.sku}</td><td>{product.name}</td><td class=\"num\">4</td><td class=\"num\">1</td><td class=\"num\">1</td>" in page
        bad = client.post(reverse("warehouse:po_create"), {
            "merchant": site.merchant.pk, "warehouse": site.warehouse.pk, "number": "web-2", "lines": "NOPE, 1"})
        assert bad.status_code == 200 and "unknown SKU" in bad.content.decode()

    def test_pages_are_refused_to_roles_outside_inbound(self, client, site):
        client.force_login(UserFactory(role=roles.PICKER))
        for name in ("warehouse:po_list", "warehouse:receiving_station", "warehouse:exception_queue"):
            assert client.get(reverse(name)).status_code == 403


class TestScanOnce:
    def test_a_repeated_scan_id_is_applied_once_and_answers_the_same(self, site):
        product = new_product(site)
        receipt = receipt_open(purchase_order=make_po(site, [(product, 5)]), actor=site.receiver)
        sid = scan_id()

        def once():
            return apply_scan_once(scan_id=sid, station="receiving", user=site.receiver, raw=product.sku,
                                   action=lambda: receiving_scan(receipt=receipt, raw=product.sku, actor=site.receiver))

        first, second = once(), once()
        assert first.ok and not first.replayed and second.replayed and second.message == first.message
        assert Movement.objects.filter(product=product).count() == 1

    def test_a_refused_scan_is_remembered_as_refused(self, site):
        receipt = receipt_open(purchase_order=make_po(site, [(new_product(site), 5)]), actor=site.receiver)
        sid = scan_id()
        for _ in range(2):
            reply = apply_scan_once(scan_id=sid, station="receiving", user=site.receiver, raw="BIN:NOPE",
                                    action=lambda: receiving_scan(receipt=receipt, raw="BIN:NOPE", actor=site.receiver))
            assert not reply.ok and "no bin NOPE" in reply.message
        assert StationScan.objects.get(scan_id=sid).ok is False

    def test_a_scan_without_an_id_is_refused(self, site):
        with pytest.raises(BadScanId):
            apply_scan_once(scan_id="not-a-uuid", station="receiving", user=None, raw="x", action=lambda: None)

    def test_station_double_submit_over_http_receives_once(self, client, site):
        product = new_product(site)
        po = make_po(site, [(product, 5)], number="DBL-1")
        client.force_login(site.receiver)
        url = reverse("warehouse:receiving_submit")
        client.post(url, {"code": "PO:DBL-1", "scan_id": scan_id()}, HTTP_HX_REQUEST="true")
        sid = scan_id()
        first = client.post(url, {"code": product.sku, "scan_id": sid}, HTTP_HX_REQUEST="true")
        second = client.post(url, {"code": product.sku, "scan_id": sid}, HTTP_HX_REQUEST="true")
        assert first.status_code == second.status_code == 200
        assert 'data-scan-result="ok"' in second.content.decode()
        assert po.lines.get().received_qty == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_of_one_scan_are_applied_once():
    from core.roles import ensure_roles

    ensure_roles()
    site = build_site()
    product = new_product(site)
    receipt = receipt_open(purchase_order=make_po(site, [(product, 50)]), actor=site.receiver)
    sid = uuid.uuid4()

    def submit(_):
        return apply_scan_once(scan_id=sid, station="receiving", user=site.receiver, raw=product.sku,
                               action=lambda: receiving_scan(receipt=receipt, raw=product.sku, actor=site.receiver))

    replies = run_in_threads(submit, 8)
    assert all(r.ok for r in replies), replies
    assert sum(1 for r in replies if not r.replayed) == 1
    assert Receipt.objects.get(pk=receipt.pk).purchase_order.lines.get().received_qty == 1
    assert not ReceivingException.objects.exists() and not PutawayTask.objects.exists()


def test_a_po_number_or_supplier_longer_than_its_column_is_refused_on_the_page_and_the_api(client, api_client, site):
    product = new_product(site)
    client.force_login(site.manager)
    page = client.post(reverse("warehouse:po_create"), {
        "merchant": site.merchant.pk, "warehouse": site.warehouse.pk, "number": "N" * 41, "kind": "po",
        "tolerance": "10", "lines": f"{product.sku}, 4\n"})
    assert page.status_code == 200 and "at most 40 characters" in page.content.decode()
    api_client.force_authenticate(site.manager)
    api = api_client.post("/api/v1/purchase-orders/", po_body(site, product, supplier="S" * 201), format="json")
    assert api.status_code == 400 and "200" in api.content.decode()
    body = "merchant,warehouse,number,sku,qty\n" + f"{site.merchant.code},{site.warehouse.code},{'N' * 41},{product.sku},1\n"
    csv = api_client.post("/api/v1/purchase-orders/csv/", {"file": io.BytesIO(body.encode())}, format="multipart")
    assert csv.status_code == 400 and "at most 40 characters" in csv.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_the_warehouse_list_counts_each_bin_and_zone_once(client, site):
    from layout.models import Bin, Zone
    from warehouse.selectors import warehouses_with_counts

    row = warehouses_with_counts().get(pk=site.warehouse.pk)
    assert row.bin_count == Bin.objects.filter(warehouse=site.warehouse).count() > 1
    assert row.zone_count == Zone.objects.filter(warehouse=site.warehouse).count() > 1


def test_the_po_csv_error_report_names_each_bad_row_once_with_its_line_and_document(site):
    from core.csv_import import ImportRejected
    from warehouse.inbound.services.purchase_orders import purchase_orders_import

    item = new_product(site)
    make_po(site, [(item, 1)], number="DUP")
    m, w = site.merchant.code, site.warehouse.code
    body = (
        "merchant,warehouse,number,sku,qty,kind\n"
        f"{m},{w},A-1,{item.sku},1,\n"  # 2
        f"{m},{w},A-1,NOPE,1,\n"  # 3
        f"{m},{w},B-1,{item.sku},zero,\n"  # 4
        f"{m},{w},B-1,{item.sku},1,\n"  # 5
        f"{m},{w},C-1,{item.sku},1,\n"  # 6
        f"{m},{w},DUP,{item.sku},1,\n"  # 7
        f"{m},{w},DUP,{item.sku},2,\n"  # 8
        f"{m},{w},E-1,{item.sku},0,\n"  # 9
        f"{m},{w},F-1,{item.sku},1,crate\n"  # 10
        f"{m},{w},F-1,{item.sku},1,crate\n"  # 11
    )
    before = PurchaseOrder.objects.count()
    with pytest.raises(ImportRejected) as rejected:
        purchase_orders_import(source=io.BytesIO(body.encode()), actor=site.manager)
    assert [(e.line, e.message) for e in rejected.value.errors] == [
        (3, f"unknown SKU 'NOPE' for {m}"),
        (4, "qty must be a whole number, got 'zero'"),
        (7, f"{m} already has a purchase order DUP"),
        (9, "qty must be at least 1, got 0"),
        (10, "F-1: unknown kind 'crate' (one of po, asn)"),
    ]
    assert PurchaseOrder.objects.count() == before
